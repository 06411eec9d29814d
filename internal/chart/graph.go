package chart

import (
	"cmp"
	"slices"
)

// maxSide is the most nodes drawn on each side of a graph; the rest are
// drawn as one "+N more" node.
const maxSide = 40

// Node is one node of a graph. ID identifies it in links and is never
// shown; Label is shown; Href, when it is a relative path on this site,
// makes the node a link.
type Node struct {
	ID, Label, Href string
}

// Link joins a source to a target by their IDs. Weight, such as the number
// of messages, sets the thickness of the line; a weight below 1 counts as 1.
type Link struct {
	From, To string
	Weight   int
}

// Graph draws a bipartite graph: sources (such as personas or senders) in
// a column on the left, targets (such as the people they reached) on the
// right, and a line for each link, thicker for a larger weight. Nodes are
// ordered by the total weight of their links, targets then moved near the
// sources they are linked to, so the layout depends only on the input. A
// node whose ID repeats an earlier one on its side is ignored, as are links
// to unknown IDs; repeated links are added up. At most 40 nodes are drawn
// on each side; the rest, with the lightest links, are merged into one
// "+N more" node. With no links, it draws "No data yet".
func Graph(title, desc string, sources, targets []Node, links []Link, width int) string {
	const kind = "graph"
	src, srcID := dedupe(sources)
	tgt, tgtID := dedupe(targets)
	pairs := map[[2]int]int{}
	for _, l := range links {
		s, ok := srcID[l.From]
		if !ok {
			continue
		}
		t, ok := tgtID[l.To]
		if !ok {
			continue
		}
		k := [2]int{s, t}
		pairs[k] = add(pairs[k], max(l.Weight, 1))
	}
	if len(pairs) == 0 {
		return noData(kind, title, desc, width)
	}
	for k, w := range pairs {
		src[k[0]].weight = add(src[k[0]].weight, w)
		tgt[k[1]].weight = add(tgt[k[1]].weight, w)
	}

	// Rank each side by weight and fold the lightest into "+N more".
	srcSlot, srcShown := rank(src)
	tgtSlot, tgtShown := rank(tgt)

	// Links between the nodes drawn, in a fixed order.
	type edge struct{ s, t, w int }
	merged := map[[2]int]int{}
	for k, w := range pairs {
		m := [2]int{srcSlot[k[0]], tgtSlot[k[1]]}
		merged[m] = add(merged[m], w)
	}
	edges := make([]edge, 0, len(merged))
	for k, w := range merged {
		edges = append(edges, edge{k[0], k[1], w})
	}
	slices.SortFunc(edges, func(a, b edge) int {
		if c := cmp.Compare(a.s, b.s); c != 0 {
			return c
		}
		return cmp.Compare(a.t, b.t)
	})
	degree := func(slot int, source bool) (links, weight int) {
		for _, e := range edges {
			if source && e.s == slot || !source && e.t == slot {
				links++
				weight = add(weight, e.w)
			}
		}
		return links, weight
	}

	// Sources keep their rank order; targets move to the mean position of
	// the sources they are linked to, which reduces crossings. The "+N more"
	// node stays last.
	tgtRow := make([]int, len(tgtShown))
	{
		type place struct {
			slot   int
			centre float64
			linked bool
		}
		places := make([]place, len(tgtShown))
		for i := range tgtShown {
			places[i].slot = i
		}
		sum := make([]float64, len(tgtShown))
		wsum := make([]float64, len(tgtShown))
		for _, e := range edges {
			sum[e.t] += float64(e.w) * float64(e.s)
			wsum[e.t] += float64(e.w)
		}
		for i := range places {
			if wsum[i] > 0 {
				places[i].centre, places[i].linked = sum[i]/wsum[i], true
			}
		}
		folded := tgtShown[len(tgtShown)-1].more > 0
		movable := places
		if folded {
			movable = places[:len(places)-1]
		}
		slices.SortStableFunc(movable, func(a, b place) int {
			if a.linked != b.linked {
				if a.linked {
					return -1
				}
				return 1
			}
			return cmp.Compare(a.centre, b.centre)
		})
		for row, p := range places {
			tgtRow[p.slot] = row
		}
	}

	wd := float64(clampWidth(width))
	const rowH, radius = 26.0, 5.0
	rows := max(len(srcShown), len(tgtShown))
	plotH := float64(rows) * rowH
	ht := 2*pad + plotH
	labelW := min((wd-2*pad)*0.36, 260) - 2*radius - 4
	xs := pad + labelW + 2*radius + 4
	xt := wd - xs
	ys := func(row int) float64 { return pad + (float64(row)+0.5)*plotH/float64(len(srcShown)) }
	yt := func(row int) float64 { return pad + (float64(row)+0.5)*plotH/float64(len(tgtShown)) }

	var w writer
	heaviest := 1
	for _, e := range edges {
		heaviest = max(heaviest, e.w)
	}
	w.open("g", "class", "links", "fill", "none", "stroke", colAccent, "stroke-opacity", "0.55")
	for _, e := range edges {
		y1, y2 := ys(e.s), yt(tgtRow[e.t])
		mid := (xs + xt) / 2
		d := "M" + num(xs) + " " + num(y1) + "C" + num(mid) + " " + num(y1) + " " + num(mid) + " " + num(y2) + " " + num(xt) + " " + num(y2)
		attrs := []string{"d", d, "stroke-width", num(1 + 6*float64(e.w)/float64(heaviest))}
		if srcShown[e.s].more > 0 || tgtShown[e.t].more > 0 {
			attrs = append(attrs, "stroke-dasharray", "4 3")
		}
		w.open("path", attrs...)
		w.title(srcShown[e.s].label + " → " + tgtShown[e.t].label + ": " + commas(e.w))
		w.close("path")
	}
	w.close("g")

	linked := false
	node := func(n shown, slot int, x, y float64, source bool) {
		links, weight := degree(slot, source)
		w.open("g", "class", "node")
		w.title(n.label + ": " + plural(links, "link", "links") + ", weight " + commas(weight))
		textAttrs := []string{"x", num(x + 2*radius), "y", num(y + 4.5)}
		if source {
			textAttrs = []string{"x", num(x - 2*radius), "y", num(y + 4.5), "text-anchor", "end"}
		}
		if n.href != "" {
			linked = true
			w.open("a", "href", n.href)
			textAttrs = append(textAttrs, "fill", colAccent, "text-decoration", "underline")
		}
		if n.more > 0 {
			w.elem("circle", "cx", num(x), "cy", num(y), "r", num(radius), "fill", colOther, "stroke", colMuted, "stroke-width", "1")
			textAttrs = append(textAttrs, "fill", colMuted)
		} else {
			w.elem("circle", "cx", num(x), "cy", num(y), "r", num(radius), "fill", colAccent)
		}
		w.label(fit(n.label, fontSize, labelW), textAttrs...)
		if n.href != "" {
			w.close("a")
		}
		w.close("g")
	}
	w.open("g", "class", "sources")
	for i, n := range srcShown {
		node(n, i, xs, ys(i), true)
	}
	w.close("g")
	w.open("g", "class", "targets")
	for i, n := range tgtShown {
		node(n, i, xt, yt(tgtRow[i]), false)
	}
	w.close("g")
	return frame(kind, title, desc, wd, ht, linked, w.String())
}

// vertex is a node of one side of a graph with its total weight.
type vertex struct {
	node   Node
	weight int
}

// dedupe returns the nodes with the first of each ID, and their indexes by
// ID.
func dedupe(nodes []Node) ([]vertex, map[string]int) {
	out := make([]vertex, 0, len(nodes))
	byID := make(map[string]int, len(nodes))
	for _, n := range nodes {
		if _, ok := byID[n.ID]; ok {
			continue
		}
		byID[n.ID] = len(out)
		out = append(out, vertex{node: n})
	}
	return out, byID
}

// shown is a node as drawn; more counts the nodes a "+N more" node stands
// for.
type shown struct {
	label, href string
	more        int
}

// rank orders the nodes of one side by weight, heaviest first and then in
// input order, and returns the slot each node is drawn in and the nodes
// drawn. With more than maxSide nodes, the lightest share the last slot.
func rank(vs []vertex) (slot []int, drawn []shown) {
	order := make([]int, len(vs))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(a, b int) int { return cmp.Compare(vs[b].weight, vs[a].weight) })
	slot = make([]int, len(vs))
	for pos, i := range order {
		if len(vs) > maxSide && pos >= maxSide-1 {
			slot[i] = maxSide - 1
			continue
		}
		slot[i] = pos
		label := clean(vs[i].node.Label, maxLabel)
		if label == "" {
			label = "(no name)"
		}
		drawn = append(drawn, shown{label: label, href: safeHref(vs[i].node.Href)})
	}
	if len(vs) > maxSide {
		more := len(vs) - (maxSide - 1)
		drawn = append(drawn, shown{label: "+" + commas(more) + " more", more: more})
	}
	return slot, drawn
}
