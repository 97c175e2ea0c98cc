package history

import "unicode/utf8"

// Match reports whether s matches the glob pattern as a whole, with the rules of
// SQLite's GLOB, which IPython's history search uses: '*' matches any run of
// characters (newlines too), '?' any one character, "[abc]", "[a-z]" and "[^abc]"
// one character of (or not of) a set, where a ']' right after '[' or '[^' is a
// member. A '[' without a closing ']' matches nothing. Matching is case-sensitive.
func Match(pattern, s string) bool {
	// Iterative matching with one backtrack point (the last '*'), which is enough
	// for globs since a later '*' subsumes an earlier one: linear in practice,
	// O(len(pattern)*len(s)) at worst.
	var starP, starS = -1, -1
	p, i := 0, 0
	for i < len(s) {
		if p < len(pattern) {
			switch pattern[p] {
			case '*':
				starP, starS = p, i
				p++
				continue
			case '?':
				_, n := utf8.DecodeRuneInString(s[i:])
				p++
				i += n
				continue
			case '[':
				r, n := utf8.DecodeRuneInString(s[i:])
				if ok, end := matchClass(pattern, p, r); end > 0 && ok {
					p = end
					i += n
					continue
				}
			default:
				pr, pn := utf8.DecodeRuneInString(pattern[p:])
				r, n := utf8.DecodeRuneInString(s[i:])
				if pr == r {
					p += pn
					i += n
					continue
				}
			}
		}
		if starP < 0 {
			return false
		}
		// Let the last '*' swallow one more character and retry.
		_, n := utf8.DecodeRuneInString(s[starS:])
		starS += n
		p, i = starP+1, starS
	}
	for p < len(pattern) && pattern[p] == '*' {
		p++
	}
	return p == len(pattern)
}

// matchClass matches r against the class starting at pattern[p] == '['. It
// returns whether r is in the class and the index after the closing ']', or 0 if
// the class is not closed.
func matchClass(pattern string, p int, r rune) (bool, int) {
	i := p + 1
	negate := false
	if i < len(pattern) && pattern[i] == '^' {
		negate = true
		i++
	}
	in := false
	first := true
	for i < len(pattern) {
		c, n := utf8.DecodeRuneInString(pattern[i:])
		if c == ']' && !first {
			return in != negate, i + 1
		}
		first = false
		i += n
		lo, hi := c, c
		if i+1 < len(pattern) && pattern[i] == '-' && pattern[i+1] != ']' {
			h, hn := utf8.DecodeRuneInString(pattern[i+1:])
			hi = h
			i += 1 + hn
		}
		if lo <= r && r <= hi {
			in = true
		}
	}
	return false, 0
}
