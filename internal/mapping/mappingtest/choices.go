package mappingtest

import "encoding/json"

// Choices turns fuzz input into the choices of a generated vendor object,
// so that the fuzzer's mutations steer what is generated. An exhausted
// input yields zeros.
type Choices struct{ b []byte }

// NewChoices reads its choices from data.
func NewChoices(data []byte) *Choices { return &Choices{data} }

// Byte returns the next input byte.
func (c *Choices) Byte() byte {
	if len(c.b) == 0 {
		return 0
	}
	v := c.b[0]
	c.b = c.b[1:]
	return v
}

// Intn returns a number in [0, n), reading one byte when n ≤ 256 and two
// otherwise, so that an object costs few input bytes and the fuzzer
// minimizes inputs fast.
func (c *Choices) Intn(n int) int {
	if n <= 256 {
		return int(c.Byte()) % n
	}
	return int(uint16(c.Byte())<<8|uint16(c.Byte())) % n
}

// Chance reports true with about the given percentage.
func (c *Choices) Chance(percent int) bool { return int(c.Byte())*100 < percent*256 }

// Pick returns one of s.
func (c *Choices) Pick(s ...string) string { return s[c.Intn(len(s))] }

// Quote returns s as a JSON string.
func Quote(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
