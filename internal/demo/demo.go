// Package demo generates a deterministic set of realistic native records for
// `cdrhub serve --demo`: the phone calls, app audio/video calls and chat
// sessions of a fictional contact center in Guangzhou, spread over the last
// 90 days, busier on weekdays and in business hours (Asia/Shanghai time).
//
// The output depends only on the tenant, on the day of now (in Shanghai
// time) and on n: every record carries the version DayStart(now), so seeding
// twice on one day leaves the store unchanged and the next day's seed updates
// every record (their times move forward by a day).
package demo

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/cdrhub/cdrhub/internal/cdr"
)

// Days is how many whole days before the start of today the records cover:
// with now in [DayStart(now), DayStart(now)+24h), every start_at lies in
// [now-90d, now).
const Days = 89

// maxSpan bounds the length of a generated interaction; no record ends
// after the start of today.
const maxSpan = 2 * time.Hour

// China has had no daylight saving time since 1991: a fixed zone is exact
// and needs no tzdata.
var shanghai = time.FixedZone("Asia/Shanghai", 8*60*60)

// DayStart returns the start of now's day in Asia/Shanghai time: the
// version of every record Records returns for now.
func DayStart(now time.Time) time.Time {
	t := now.In(shanghai)
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, shanghai)
}

// Records returns n native records of tenant with start_at in
// [DayStart(now)-Days*24h, DayStart(now)), sorted by start_at, with
// source_ids "demo-<channel>-<seq>" (seq 1 is the oldest). About 60% are
// voice, 20% rtc and 20% chat. The records are not prepared: talk_s, total_s,
// digits and id are left for the server to derive.
func Records(tenant string, now time.Time, n int) []*cdr.Record {
	return records(tenant, now, n, Days)
}

// records is Records over the days whole days before DayStart(now).
func records(tenant string, now time.Time, n, days int) []*cdr.Record {
	if n <= 0 {
		return nil
	}
	day := DayStart(now)
	g := newGen(tenant)
	starts := make([]int64, n)
	for i := range starts {
		starts[i] = g.startAt(day, days)
	}
	slices.Sort(starts)
	out := make([]*cdr.Record, n)
	for i, start := range starts {
		var r *cdr.Record
		switch x := g.r.IntN(100); {
		case x < 60:
			r = g.voice(start)
		case x < 80:
			r = g.rtc(start)
		default:
			r = g.chat(start)
		}
		r.Tenant = tenant
		r.Source = cdr.SourceNative
		r.SourceID = fmt.Sprintf("demo-%s-%06d", r.Channel, i+1)
		r.Version = day.UnixMilli()
		for j := range r.Recordings {
			rec := &r.Recordings[j]
			rec.ID = r.SourceID
			if rec.Kind == cdr.RecordingVoicemail {
				rec.ID += "-vm"
			}
			rec.URL = "https://recordings.example/" + rec.ID + ".mp3"
		}
		out[i] = r
	}
	return out
}

// Relative weights of the 24 local hours of a weekday.
var hourWeights = []int{2, 1, 1, 1, 1, 2, 4, 8, 14, 22, 24, 23, 17, 20, 23, 23, 22, 20, 17, 15, 13, 9, 6, 3}

// startAt draws a start time in the days whole days before day: weekends
// get about half a weekday's traffic.
func (g *gen) startAt(day time.Time, days int) int64 {
	for {
		date := day.AddDate(0, 0, -1-g.r.IntN(days))
		if wd := date.Weekday(); (wd == time.Saturday || wd == time.Sunday) && !g.chance(50) {
			continue
		}
		h := g.weighted(hourWeights)
		t := date.Add(time.Duration(h)*time.Hour + time.Duration(g.r.Int64N(int64(time.Hour))))
		t = t.Truncate(time.Millisecond)
		if t.Add(maxSpan).After(day) {
			continue
		}
		return t.UnixMilli()
	}
}

// Skill groups; the indexes below name them.
var queues = []cdr.Queue{
	{ID: "101", Name: "Billing"},
	{ID: "102", Name: "Tier2"},
	{ID: "103", Name: "Sales"},
	{ID: "104", Name: "Tech Support"},
	{ID: "105", Name: "VIP"},
}

const (
	qBilling = iota
	qTier2
	qSales
	qTech
	qVIP
)

// How inbound customers spread over the first-line queues (VIPs go to VIP).
var queueWeights = []int{qBilling: 35, qTier2: 0, qSales: 25, qTech: 40, qVIP: 0}

// IVR main-menu key of each queue.
var queueKeys = []string{qBilling: "2", qTier2: "9", qSales: "1", qTech: "3", qVIP: "0"}

var agentNames = []string{
	"Zhang Min", "Li Wei", "Wang Fang", "Liu Yang", "Chen Jing", "Yang Lei", "Zhao Li",
	"Huang Qiang", "Zhou Jie", "Wu Na", "Xu Tao", "Sun Hui", "Ma Lin", "Zhu Hong",
	"Hu Bin", "Guo Ying", "He Jun", "Gao Xia", "Lin Feng", "Luo Dan",
}

var locations = []string{
	"Guangdong Guangzhou", "Guangdong Shenzhen", "Guangdong Foshan", "Beijing Beijing",
	"Shanghai Shanghai", "Zhejiang Hangzhou", "Jiangsu Nanjing", "Sichuan Chengdu",
	"Hubei Wuhan", "Fujian Xiamen", "Hunan Changsha", "Shandong Qingdao",
}

var mobilePrefixes = []string{
	"130", "131", "132", "133", "135", "136", "137", "138", "139", "150", "151", "152",
	"155", "156", "158", "159", "176", "177", "180", "181", "182", "185", "186", "187",
	"188", "189", "199",
}

// Center numbers: inbound callees and outbound callers.
var centers = []cdr.Party{
	{Address: "+862066668888", Location: "Guangdong Guangzhou"},
	{Address: "+862066668899", Location: "Guangdong Guangzhou"},
	{Address: "4008208820"},
	{Address: "+861058886666", Location: "Beijing Beijing"},
}

var chatNicks = []string{
	"山浓", "小明", "阿杰", "Lily", "晴天", "老王", "Kevin", "木子", "张小姐", "Amy",
	"风铃", "大鹏", "Coco", "橙子", "刘先生", "Jason", "小鱼", "阿花", "Tony", "星星",
}

var rtcUsers = []string{
	"user_alice", "user_bob", "user_carol", "user_dave", "user_erin", "user_frank",
	"user_grace", "user_heidi", "user_ivan", "user_judy", "user_mallory", "user_niaj",
	"user_olivia", "user_peggy", "user_rupert", "user_sybil", "user_trent", "user_victor",
	"user_walter", "user_yvonne",
}

type customer struct {
	phone, masked, location string
	vip                     bool
	queue                   int // preferred first-line queue
}

type chatCustomer struct{ id, name string }

// gen holds the random source and the pools one Records call draws from.
type gen struct {
	r         *rand.Rand
	agents    []cdr.Agent
	byQueue   [][]int // agent indexes serving each queue
	customers []customer
	chatters  []chatCustomer
}

func newGen(tenant string) *gen {
	g := &gen{r: rand.New(rand.NewPCG(0x636472687562, 0x64656d6f)), byQueue: make([][]int, len(queues))}
	for i, name := range agentNames {
		first, last, _ := strings.Cut(strings.ToLower(name), " ")
		id := first + "." + last + "@" + tenant + ".example"
		groups := []int{i % len(queues)}
		if i%3 == 0 {
			groups = append(groups, (i+1)%len(queues))
		}
		a := cdr.Agent{
			Kind: cdr.AgentHuman, ID: id, Name: name, Email: id,
			StaffNumber: fmt.Sprint(1001 + i), Extension: fmt.Sprint(8001 + i), Role: "agent",
		}
		if i%len(queues) == qTier2 {
			a.Role = "supervisor"
		}
		for _, q := range groups {
			a.Groups = append(a.Groups, queues[q].Name)
			g.byQueue[q] = append(g.byQueue[q], i)
		}
		g.agents = append(g.agents, a)
	}
	seen := map[string]bool{}
	for len(g.customers) < 300 {
		p := mobilePrefixes[g.r.IntN(len(mobilePrefixes))]
		num := fmt.Sprintf("%s%08d", p, g.r.IntN(1e8))
		if seen[num] {
			continue
		}
		seen[num] = true
		c := customer{
			phone: "+86" + num, masked: num[:3] + "****" + num[7:],
			location: locations[g.r.IntN(len(locations))],
			vip:      len(g.customers) < 15, queue: g.weighted(queueWeights),
		}
		if c.vip {
			c.queue = qVIP
		}
		g.customers = append(g.customers, c)
	}
	for i := range 200 {
		id := fmt.Sprint(1_000_000_000 + g.r.Int64N(8_999_999_999))
		g.chatters = append(g.chatters, chatCustomer{id: id, name: chatNicks[i%len(chatNicks)]})
	}
	return g
}

// skewed returns an index in [0, n) favoring low ones, so that a few
// customers call often.
func (g *gen) skewed(n int) int { return int(float64(n) * math.Pow(g.r.Float64(), 1.3)) }

// agent returns a copy of a random agent serving queue q, other than skip.
func (g *gen) agent(q int, skip string) cdr.Agent {
	for {
		a := g.agents[g.byQueue[q][g.r.IntN(len(g.byQueue[q]))]]
		if a.ID != skip || len(g.byQueue[q]) == 1 {
			a.Groups = slices.Clone(a.Groups)
			return a
		}
	}
}

// chance reports true with probability pct percent.
func (g *gen) chance(pct int) bool { return g.r.IntN(100) < pct }

// between returns a uniform int64 in [lo, hi].
func (g *gen) between(lo, hi int64) int64 { return lo + g.r.Int64N(hi-lo+1) }

// weighted returns an index of w drawn with the given weights.
func (g *gen) weighted(w []int) int {
	total := 0
	for _, x := range w {
		total += x
	}
	x := g.r.IntN(total)
	for i, wi := range w {
		if x < wi {
			return i
		}
		x -= wi
	}
	return len(w) - 1
}

type weightedDisp struct {
	d cdr.Disposition
	w int
}

func (g *gen) disposition(ws []weightedDisp) cdr.Disposition {
	w := make([]int, len(ws))
	for i, x := range ws {
		w[i] = x.w
	}
	return ws[g.weighted(w)].d
}

// lognormal returns a duration in seconds around median, clamped.
func (g *gen) lognormal(median, sigma float64, lo, hi int64) int64 {
	s := int64(median * math.Exp(sigma*g.r.NormFloat64()))
	return min(max(s, lo), hi)
}

// satisfaction returns a survey result skewed to the good end.
func (g *gen) satisfaction(channel string) *cdr.Satisfaction {
	score := 5 - g.weighted([]int{50, 25, 12, 7, 6})
	labels := []string{"", "Very dissatisfied", "Dissatisfied", "Neutral", "Satisfied", "Very satisfied"}
	return &cdr.Satisfaction{Score: &score, Raw: fmt.Sprint(score), Label: labels[score], Channel: channel, Offered: true}
}

var complaintNotes = []string{
	"Disputes a charge on the last invoice", "Service outage not resolved after two calls",
	"Unhappy with waiting time", "Asked for a supervisor", "Refund still not received",
}

// complaint tags r as a complaint with a note and a ticket attribute.
func (g *gen) complaint(r *cdr.Record) {
	r.Tags = append(r.Tags, "complaint")
	r.Note = complaintNotes[g.r.IntN(len(complaintNotes))]
	r.Attributes = map[string]json.RawMessage{"ticket": fmt.Appendf(nil, `"TK-%06d"`, g.r.IntN(1e6))}
}
