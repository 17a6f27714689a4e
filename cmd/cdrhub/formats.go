package main

import (
	"github.com/cdrhub/cdrhub/internal/cdr"
	"github.com/cdrhub/cdrhub/internal/config"
	"github.com/cdrhub/cdrhub/internal/mapping"
)

// vendorTerms returns the rendered vendor enum terms of a record
// (docs/record-model.md §4.0), computed on every write.
var vendorTerms = mapping.Terms

// vendorFormats are the tenants' vendor record formats, with their
// settings, for POST ?format= and GET ?as=.
func vendorFormats(cfg config.Config) map[cdr.TenantID]mapping.Formats {
	fs := make(map[cdr.TenantID]mapping.Formats, len(cfg.Tenants))
	for i := range cfg.Tenants {
		tn := &cfg.Tenants[i]
		fs[cdr.MustTenantID(tn.ID)] = mapping.NewFormats(mappingTenant(tn))
	}
	return fs
}

// tenantFormats are the vendor record formats of tenant t of cfg, for
// import --format; a tenant cfg does not name gets every mapping's defaults.
func tenantFormats(cfg config.Config, t cdr.TenantID) mapping.Formats {
	return mapping.NewFormats(mappingTenant(cfg.TenantByID(t.String())))
}

// mappingTenant translates a tenant's configuration into the settings of
// its vendor formats: satisfaction maps, time zone and scope ids (nil: none).
func mappingTenant(tn *config.Tenant) mapping.Tenant {
	var m mapping.Tenant
	if tn == nil {
		return m
	}
	m.Location = tn.Location()
	m.Satisfaction = make(map[cdr.Source]map[string]int, len(tn.Satisfaction))
	for src, sat := range tn.Satisfaction {
		m.Satisfaction[cdr.Source(src)] = sat
	}
	if b := tn.TencentCCC; b != nil {
		m.TencentCCCSdkAppID = b.SDKAppID
	}
	if b := tn.AliyunCCC; b != nil {
		m.AliyunCCCInstanceID = b.InstanceID
	}
	if b := tn.TRTCCallKit; b != nil {
		m.TRTCCallKitSdkAppID = b.SDKAppID
	}
	return m
}
