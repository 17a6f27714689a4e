package demo

import (
	"bytes"
	"encoding/binary"
	"math"
)

// AudioRate is the sample rate of Audio's clips: telephone quality.
const AudioRate = 8000

// Audio returns a clip of seconds seconds (1 to 30) for a demo recording:
// a WAV file, 16-bit mono PCM at AudioRate, of a short tune that variant
// picks (any int), so that the console's player has something to play.
// Equal arguments give equal bytes.
func Audio(variant, seconds int) []byte {
	seconds = min(max(seconds, 1), 30)
	n := AudioRate * seconds
	// A tune of notes of a quarter second from a pentatonic scale, each
	// with a soft attack and release, so that it does not click.
	scale := []float64{261.63, 293.66, 329.63, 392.00, 440.00, 523.25}
	const note = AudioRate / 4
	var b bytes.Buffer
	b.Grow(44 + 2*n)
	b.WriteString("RIFF")
	le := binary.LittleEndian
	b.Write(le.AppendUint32(nil, uint32(36+2*n)))
	b.WriteString("WAVEfmt ")
	b.Write(le.AppendUint32(nil, 16)) // the format chunk's size
	b.Write(le.AppendUint16(nil, 1))  // PCM
	b.Write(le.AppendUint16(nil, 1))  // mono
	b.Write(le.AppendUint32(nil, AudioRate))
	b.Write(le.AppendUint32(nil, 2*AudioRate))
	b.Write(le.AppendUint16(nil, 2))
	b.Write(le.AppendUint16(nil, 16))
	b.WriteString("data")
	b.Write(le.AppendUint32(nil, uint32(2*n)))
	seed := uint32(variant)*2654435761 + 1
	freq := scale[0]
	for i := range n {
		pos := i % note
		if pos == 0 {
			seed = seed*1664525 + 1013904223
			freq = scale[int(seed>>16)%len(scale)]
		}
		env := math.Min(1, math.Min(float64(pos)/200, float64(note-pos)/400))
		v := 6000 * env * math.Sin(2*math.Pi*freq*float64(i)/AudioRate)
		b.Write(le.AppendUint16(nil, uint16(int16(v))))
	}
	return b.Bytes()
}
