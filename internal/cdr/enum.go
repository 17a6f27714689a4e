package cdr

import "slices"

// Channel is the kind of interaction a record describes.
type Channel string

const (
	ChannelVoice Channel = "voice" // PSTN or SIP telephony
	ChannelRTC   Channel = "rtc"   // app audio and video calls
	ChannelChat  Channel = "chat"  // online text sessions
)

// Channels lists every channel.
var Channels = []Channel{ChannelVoice, ChannelRTC, ChannelChat}

// Source names where a record came from: one of the vendor APIs or native.
type Source string

const (
	SourceTencentCCC  Source = "tencent_ccc"
	SourceTRTCCallKit Source = "trtc_callkit"
	SourceAliyunCCC   Source = "aliyun_ccc"
	SourceLaaffic     Source = "laaffic"
	SourceTencentDesk Source = "tencent_desk"
	SourceNative      Source = "native"
)

// Sources lists every source: the one list of their names, which
// validation, the filters, the configuration's satisfaction maps and the
// commands' messages all use.
var Sources = []Source{SourceTencentCCC, SourceTRTCCallKit, SourceAliyunCCC, SourceLaaffic, SourceTencentDesk, SourceNative}

// Channel returns the only channel a vendor source serves, or "" for native,
// which may carry any channel.
func (s Source) Channel() Channel {
	switch s {
	case SourceTencentCCC, SourceAliyunCCC, SourceLaaffic:
		return ChannelVoice
	case SourceTRTCCallKit:
		return ChannelRTC
	case SourceTencentDesk:
		return ChannelChat
	}
	return ""
}

// Direction is who initiated the interaction relative to the center.
type Direction string

const (
	DirectionInbound  Direction = "inbound"
	DirectionOutbound Direction = "outbound"
	DirectionInternal Direction = "internal"
	DirectionUnknown  Direction = "unknown"
)

// Directions lists every direction.
var Directions = []Direction{DirectionInbound, DirectionOutbound, DirectionInternal, DirectionUnknown}

// CallType is how the interaction was set up.
type CallType string

const (
	CallTypeDirect     CallType = "direct"
	CallTypePredictive CallType = "predictive"
	CallTypeDual       CallType = "dual"
	CallTypePrivacy    CallType = "privacy"
	CallTypeConference CallType = "conference"
)

// CallTypes lists every call type.
var CallTypes = []CallType{CallTypeDirect, CallTypePredictive, CallTypeDual, CallTypePrivacy, CallTypeConference}

// Media is what was exchanged.
type Media string

const (
	MediaAudio Media = "audio"
	MediaVideo Media = "video"
	MediaText  Media = "text"
)

// MediaTypes lists every media.
var MediaTypes = []Media{MediaAudio, MediaVideo, MediaText}

// Disposition is the outcome of the whole record as the customer saw it
// (for rtc, as the initiator saw it).
type Disposition string

const (
	DispositionAnswered    Disposition = "answered"
	DispositionSelfService Disposition = "self_service"
	DispositionTransferred Disposition = "transferred"
	DispositionAbandoned   Disposition = "abandoned"
	DispositionNoAgent     Disposition = "no_agent"
	DispositionNoAnswer    Disposition = "no_answer"
	DispositionBusy        Disposition = "busy"
	DispositionRejected    Disposition = "rejected"
	DispositionCancelled   Disposition = "cancelled"
	DispositionVoicemail   Disposition = "voicemail"
	DispositionBlocked     Disposition = "blocked"
	DispositionFailed      Disposition = "failed"
	DispositionUnknown     Disposition = "unknown"
)

// Dispositions lists every disposition.
var Dispositions = []Disposition{
	DispositionAnswered, DispositionSelfService, DispositionTransferred, DispositionAbandoned,
	DispositionNoAgent, DispositionNoAnswer, DispositionBusy, DispositionRejected,
	DispositionCancelled, DispositionVoicemail, DispositionBlocked, DispositionFailed, DispositionUnknown,
}

// HangupBy is who released the interaction.
type HangupBy string

const (
	HangupByCustomer HangupBy = "customer"
	HangupByAgent    HangupBy = "agent"
	HangupBySystem   HangupBy = "system"
	HangupByUnknown  HangupBy = "unknown"
)

// HangupBys lists every hangup side.
var HangupBys = []HangupBy{HangupByCustomer, HangupByAgent, HangupBySystem, HangupByUnknown}

// Order is the direction of the (start_at, id) sort.
type Order string

const (
	OrderDesc Order = "desc" // newest first; the default
	OrderAsc  Order = "asc"
)

// Valid reports whether v is one of the values in all.
func Valid[E ~string](v E, all []E) bool { return slices.Contains(all, v) }

// Names returns the values of all as strings, in order, for messages.
func Names[E ~string](all []E) []string {
	names := make([]string, len(all))
	for i, a := range all {
		names[i] = string(a)
	}
	return names
}
