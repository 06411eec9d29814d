package correlate

import (
	"maps"
	"math/rand/v2"
	"testing"
	"time"
)

func TestCluster(t *testing.T) {
	tests := []struct {
		name     string
		ids      []int64
		edges    []Edge
		together [][2]int64
		apart    [][2]int64
		want     map[int64]int64
	}{
		{
			name:  "transitive joins",
			ids:   []int64{1, 2, 3, 4, 5, 6},
			edges: []Edge{{3, 2, "text"}, {2, 1, "email"}, {5, 4, "persona"}},
			want:  map[int64]int64{1: 1, 2: 1, 3: 1, 4: 4, 5: 4, 6: 6},
		},
		{
			name:     "together forces a join without an edge",
			ids:      []int64{3, 7, 9},
			together: [][2]int64{{7, 3}},
			want:     map[int64]int64{3: 3, 7: 3, 9: 9},
		},
		{
			name:  "apart blocks a transitive join",
			ids:   []int64{1, 2, 3},
			edges: []Edge{{1, 2, "text"}, {2, 3, "text"}},
			apart: [][2]int64{{3, 1}},
			want:  map[int64]int64{1: 1, 2: 1, 3: 3},
		},
		{
			name:  "edges are taken in order",
			ids:   []int64{1, 2, 3},
			edges: []Edge{{2, 3, "text"}, {1, 2, "text"}},
			apart: [][2]int64{{1, 3}},
			want:  map[int64]int64{1: 1, 2: 2, 3: 2},
		},
		{
			name:  "apart between whole clusters",
			ids:   []int64{10, 11, 20, 21, 30},
			edges: []Edge{{10, 11, "a"}, {20, 21, "b"}, {11, 30, "c"}, {30, 21, "d"}},
			apart: [][2]int64{{10, 20}},
			want:  map[int64]int64{10: 10, 11: 10, 30: 10, 20: 20, 21: 20},
		},
		{
			name:     "together wins over apart",
			ids:      []int64{1, 2, 3},
			together: [][2]int64{{1, 3}},
			apart:    [][2]int64{{1, 3}},
			edges:    []Edge{{2, 3, "text"}},
			want:     map[int64]int64{1: 1, 2: 1, 3: 1},
		},
		{
			name:  "edge endpoints and together ids are added",
			ids:   []int64{5},
			edges: []Edge{{8, 6, "text"}},
			apart: [][2]int64{{5, 99}},
			want:  map[int64]int64{5: 5, 6: 6, 8: 6},
		},
		{
			name:  "self edges and duplicates",
			ids:   []int64{4, 4, -2},
			edges: []Edge{{4, 4, "x"}, {-2, 4, "x"}, {4, -2, "x"}},
			want:  map[int64]int64{4: -2, -2: -2},
		},
		{
			name: "nothing",
			want: map[int64]int64{},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Cluster(tt.ids, tt.edges, tt.together, tt.apart)
			if !maps.Equal(got, tt.want) {
				t.Errorf("Cluster() = %v, want %v", got, tt.want)
			}
		})
	}
}

// TestClusterRandom checks the invariants of a clustering of a random
// sparse graph with random analyst decisions: every representative is the
// smallest id of its cluster; apart pairs not forced together are split;
// and an edge whose ids ended apart was blocked by an apart pair.
func TestClusterRandom(t *testing.T) {
	const n = 100_000
	r := rand.New(rand.NewPCG(1, 2))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = int64(i)*7 + 1_000_000
	}
	pick := func() int64 { return ids[r.IntN(n)] }
	edges := make([]Edge, 2*n)
	for i := range edges {
		edges[i] = Edge{pick(), pick(), "text"}
	}
	var together, apart [][2]int64
	for range 200 {
		together = append(together, [2]int64{pick(), pick()})
	}
	for range 2000 {
		apart = append(apart, [2]int64{pick(), pick()})
	}

	start := time.Now()
	got := Cluster(ids, edges, together, apart)
	elapsed := time.Since(start)
	t.Logf("%d ids, %d edges, %d together, %d apart: %v", n, len(edges), len(together), len(apart), elapsed)
	if elapsed > 10*time.Second {
		t.Errorf("took %v", elapsed)
	}
	if len(got) != n {
		t.Fatalf("got %d ids, want %d", len(got), n)
	}

	members := map[int64][]int64{}
	for id, rep := range got {
		members[rep] = append(members[rep], id)
	}
	sizes := map[int]int{}
	for rep, ms := range members {
		sizes[len(ms)]++
		for _, m := range ms {
			if m < rep {
				t.Fatalf("cluster %d holds smaller id %d", rep, m)
			}
		}
		if got[rep] != rep {
			t.Fatalf("representative %d is not in its cluster", rep)
		}
	}
	t.Logf("%d clusters", len(members))

	// Which apart pairs could together decisions alone have joined?
	forced := Cluster(ids, nil, together, nil)
	blockedBy := map[[2]int64]bool{} // cluster pairs an apart pair separates
	for _, p := range apart {
		a, b := got[p[0]], got[p[1]]
		if a == b {
			if forced[p[0]] != forced[p[1]] {
				t.Errorf("apart pair %v joined by edges", p)
			}
			continue
		}
		blockedBy[[2]int64{a, b}] = true
		blockedBy[[2]int64{b, a}] = true
	}
	skipped := 0
	for _, e := range edges {
		a, b := got[e.A], got[e.B]
		if a == b {
			continue
		}
		skipped++
		if !blockedBy[[2]int64{a, b}] {
			t.Fatalf("edge %d-%d left clusters %d and %d apart with no apart pair between them", e.A, e.B, a, b)
		}
	}
	t.Logf("%d edges skipped for apart pairs", skipped)
}

// TestClusterMatchesComponents compares Cluster without decisions to a
// breadth-first search for connected components.
func TestClusterMatchesComponents(t *testing.T) {
	r := rand.New(rand.NewPCG(3, 4))
	const n = 5000
	ids := make([]int64, n)
	adj := map[int64][]int64{}
	for i := range ids {
		ids[i] = int64(i)
	}
	var edges []Edge
	for range n * 3 / 4 {
		a, b := int64(r.IntN(n)), int64(r.IntN(n))
		edges = append(edges, Edge{A: a, B: b})
		adj[a] = append(adj[a], b)
		adj[b] = append(adj[b], a)
	}
	want := map[int64]int64{}
	for _, id := range ids {
		if _, ok := want[id]; ok {
			continue
		}
		comp := []int64{id}
		want[id] = -1
		for i := 0; i < len(comp); i++ {
			for _, m := range adj[comp[i]] {
				if _, ok := want[m]; !ok {
					want[m] = -1
					comp = append(comp, m)
				}
			}
		}
		low := comp[0]
		for _, m := range comp {
			low = min(low, m)
		}
		for _, m := range comp {
			want[m] = low
		}
	}
	if got := Cluster(ids, edges, nil, nil); !maps.Equal(got, want) {
		t.Errorf("Cluster differs from connected components")
	}
}

func BenchmarkCluster1M(b *testing.B) {
	const n = 1_000_000
	r := rand.New(rand.NewPCG(5, 6))
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = r.Int64()
	}
	edges := make([]Edge, 2*n)
	for i := range edges {
		edges[i] = Edge{ids[r.IntN(n)], ids[r.IntN(n)], "text"}
	}
	var together, apart [][2]int64
	for range 10_000 {
		together = append(together, [2]int64{ids[r.IntN(n)], ids[r.IntN(n)]})
		apart = append(apart, [2]int64{ids[r.IntN(n)], ids[r.IntN(n)]})
	}
	b.ResetTimer()
	for b.Loop() {
		Cluster(ids, edges, together, apart)
	}
}
