// Package cdr is cdrhub's domain: the canonical Record and its enums
// (sources, channels, dispositions, …), validation and the derived values
// (Record.Prepare), record ids, the version rule (Classify), the Filter of
// every read and its bounds, the Store interface and the interfaces of a
// store's further capabilities (Pruner, …), and the error codes every API
// renders.
//
// It imports the standard library only; every other package points at it.
package cdr
