package httpx

import (
	"context"
	"testing"
)

func TestOutcomeOf(t *testing.T) {
	tests := []struct {
		status int
		want   string
	}{
		{200, OutcomeOK},
		{204, OutcomeOK},
		{304, OutcomeOK},
		{400, OutcomeClientError},
		{404, OutcomeClientError},
		{499, OutcomeClientError},
		{500, OutcomeServerError},
		{503, OutcomeServerError},
	}
	for _, tt := range tests {
		if got := OutcomeOf(tt.status); got != tt.want {
			t.Errorf("OutcomeOf(%d) = %q, want %q", tt.status, got, tt.want)
		}
	}
}

func TestRouteLabels(t *testing.T) {
	tests := []struct {
		name                 string
		set                  func(ctx context.Context)
		api, action, outcome string
	}{
		{"unset", func(context.Context) {}, NoRoute, NoRoute, ""},
		{"route", func(ctx context.Context) { SetRoute(ctx, "native", "list_records") }, "native", "list_records", ""},
		{"route and outcome", func(ctx context.Context) {
			SetRoute(ctx, "tencent_ccc", "DescribeTelCdr")
			SetOutcome(ctx, OutcomeClientError)
		}, "tencent_ccc", "DescribeTelCdr", OutcomeClientError},
		{"outcome only", func(ctx context.Context) { SetOutcome(ctx, OutcomeServerError) }, NoRoute, NoRoute, OutcomeServerError},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, l := WithRouteLabels(context.Background())
			tt.set(ctx)
			api, action, outcome := l.Get()
			if api != tt.api || action != tt.action || outcome != tt.outcome {
				t.Errorf("Get() = %q, %q, %q; want %q, %q, %q", api, action, outcome, tt.api, tt.action, tt.outcome)
			}
		})
	}
}

func TestRouteLabelsWithoutHolder(t *testing.T) {
	// Handlers run outside the middleware in unit tests: no panic.
	SetRoute(context.Background(), "native", "get_record")
	SetOutcome(context.Background(), OutcomeOK)
}
