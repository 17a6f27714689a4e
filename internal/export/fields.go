package export

import (
	"fmt"
	"strings"
)

// field is one key of an object and how its value decodes into a T: dec
// decodes it, and of its own objects the fields in want (bit j for the
// j-th).
type field[T any] struct {
	name string
	dec  func(d *decoder, v *T, want uint64, depth int) error
}

// fields are the keys of an object type, in order and by name.
type fields[T any] struct {
	list   []field[T]
	byName map[string]int
}

func newFields[T any](list ...field[T]) *fields[T] {
	fs := &fields[T]{list: list, byName: make(map[string]int, len(list))}
	for i, f := range list {
		fs.byName[f.name] = i
	}
	return fs
}

// all selects every field of any object.
const all = ^uint64(0)

// mask returns the bits of the named fields (unknown names have none).
func (fs *fields[T]) mask(names ...string) uint64 {
	var m uint64
	for _, n := range names {
		if i, ok := fs.byName[n]; ok {
			m |= 1 << i
		}
	}
	return m
}

// index returns the index of key's field, -1 for none: the field named
// key, else one whose name equals key case-insensitively, as
// encoding/json matches them. The record's JSON has its keys in the
// fields' order, so the few fields from next on are tried first.
func (fs *fields[T]) index(key []byte, next int) int {
	for i := next; i < len(fs.list) && i < next+4; i++ {
		if fs.list[i].name == string(key) {
			return i
		}
	}
	if i, ok := fs.byName[string(key)]; ok {
		return i
	}
	for i, f := range fs.list {
		if strings.EqualFold(f.name, string(key)) {
			return i
		}
	}
	return -1
}

// names returns the fields' names, in order.
func (fs *fields[T]) names() []string {
	out := make([]string, len(fs.list))
	for i, f := range fs.list {
		out[i] = f.name
	}
	return out
}

// decodeObject decodes an object into v: the fields whose bit is set in
// want (bit i for field i), each with the fields of its own objects in
// nested[i] (every one when nested is nil); the other keys are skipped.
// null leaves v as it is.
func decodeObject[T any](d *decoder, fs *fields[T], v *T, want uint64, nested *[64]uint64, depth int) error {
	if null, err := d.null(); null || err != nil {
		return err
	}
	next := 0
	return d.object(depth, func(key []byte) error {
		i := fs.index(key, next)
		if i < 0 || want&(1<<i) == 0 {
			return d.skip(depth)
		}
		next = i + 1
		sub := all
		if nested != nil {
			sub = nested[i]
		}
		if err := fs.list[i].dec(d, v, sub, depth+1); err != nil {
			return fmt.Errorf("%s: %w", fs.list[i].name, err)
		}
		return nil
	})
}

// decodePtr decodes an object (the fields in want) into *dst, allocated
// if nil; null makes it nil.
func decodePtr[T any](d *decoder, fs *fields[T], dst **T, want uint64, depth int) error {
	if null, err := d.null(); null || err != nil {
		if null {
			*dst = nil
		}
		return err
	}
	if *dst == nil {
		*dst = new(T)
	}
	return decodeObject(d, fs, *dst, want, nil, depth)
}

// decodeList decodes an array of objects (the fields in want of each)
// into *dst; null elements are zero values, null makes *dst nil.
func decodeList[T any](d *decoder, fs *fields[T], dst *[]T, want uint64, depth int) error {
	if null, err := d.null(); null || err != nil {
		if null {
			*dst = nil
		}
		return err
	}
	list := (*dst)[:0]
	err := d.array(depth, func() error {
		var v T
		if err := decodeObject(d, fs, &v, want, nil, depth+1); err != nil {
			return fmt.Errorf("[%d]: %w", len(list), err)
		}
		list = append(list, v)
		return nil
	})
	if list == nil && err == nil {
		list = []T{}
	}
	*dst = list
	return err
}

// strList decodes an array of strings into *dst (null elements are
// empty); null makes it nil.
func (d *decoder) strList(dst *[]string, depth int) error {
	if null, err := d.null(); null || err != nil {
		if null {
			*dst = nil
		}
		return err
	}
	list := (*dst)[:0]
	err := d.array(depth, func() error {
		var s string
		if err := d.str(&s); err != nil {
			return fmt.Errorf("[%d]: %w", len(list), err)
		}
		list = append(list, s)
		return nil
	})
	if list == nil && err == nil {
		list = []string{}
	}
	*dst = list
	return err
}

// Decoders of the field kinds, for the tables of row.go.

func str[T any](get func(*T) *string) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, _ uint64, _ int) error { return d.str(get(v)) }
}

func integer[T any](get func(*T) *int64) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, _ uint64, _ int) error { return d.integer(get(v)) }
}

func optInteger[T any](get func(*T) **int64) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, _ uint64, _ int) error { return d.optInteger(get(v)) }
}

// optTime decodes a time that is 0 when unknown (created_at, updated_at:
// integers in the record) into a pointer that is then nil.
func optTime[T any](get func(*T) **int64) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, _ uint64, _ int) error {
		p := get(v)
		var ms int64
		if *p != nil {
			ms = **p
		}
		if err := d.integer(&ms); err != nil {
			return err
		}
		*p = nil
		if ms != 0 {
			*p = d.newInt(ms)
		}
		return nil
	}
}

func strList[T any](get func(*T) *[]string) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, _ uint64, depth int) error { return d.strList(get(v), depth) }
}

func list[T, E any](fs *fields[E], get func(*T) *[]E) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, want uint64, depth int) error { return decodeList(d, fs, get(v), want, depth) }
}

func ptr[T, E any](fs *fields[E], get func(*T) **E) func(*decoder, *T, uint64, int) error {
	return func(d *decoder, v *T, want uint64, depth int) error { return decodePtr(d, fs, get(v), want, depth) }
}
