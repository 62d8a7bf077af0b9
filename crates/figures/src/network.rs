//! A circulation with bounds on every edge, and the two questions disclosure control asks
//! of it: can this edge's flow change (is there a cycle through it in the residual graph)?
//! And if not, which items are cheapest to hide so that it can?
//!
//! The edges are the published figures (cells and totals); each node is one linear
//! equation between them ("this column's cells add up to its total"). A constraint matrix
//! of such incidence form is totally unimodular, so an integer flow other than the true one
//! exists exactly when a real one does, and moving one unit around a residual cycle gives
//! it: a hidden figure can take another value if and only if its edge lies on a cycle whose
//! every arc has room (forward arcs below their upper bound, backward arcs above their
//! lower bound).

/// An upper bound that is not known: a figure hidden with "–" may be any size.
pub(crate) const UNBOUNDED: u64 = u64::MAX;

/// Whether the flow of an edge can move one way.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Arc {
    /// It can as things stand.
    Open,
    /// It can once the edge's item is hidden with "–" (or, for an item shown as `<t`, once
    /// its upper bound is no longer published), at this cost.
    Repair(u64),
    /// It cannot.
    Closed,
}

#[derive(Clone, Copy, Debug)]
pub(crate) struct Edge {
    pub from: usize,
    pub to: usize,
    /// Flow one more unit from `from` to `to`.
    pub up: Arc,
    /// Flow one unit less.
    pub down: Arc,
}

#[derive(Clone, Debug, Default)]
pub(crate) struct Network {
    edges: Vec<Edge>,
    /// For each node, the edges that touch it.
    incident: Vec<Vec<usize>>,
}

/// A path's cost: the summed repair costs, then the number of repairs.
pub(crate) type Cost = (u64, usize);

/// The cost of two sets of repairs.
pub(crate) fn add(a: Cost, b: Cost) -> Cost {
    (a.0.saturating_add(b.0), a.1 + b.1)
}

impl Network {
    pub fn new(nodes: usize) -> Self {
        Network {
            edges: Vec::new(),
            incident: vec![Vec::new(); nodes],
        }
    }

    /// Adds an edge and returns its index.
    pub fn add(&mut self, edge: Edge) -> usize {
        let index = self.edges.len();
        self.incident[edge.from].push(index);
        if edge.to != edge.from {
            self.incident[edge.to].push(index);
        }
        self.edges.push(edge);
        index
    }

    pub fn edge(&self, e: usize) -> Edge {
        self.edges[e]
    }

    /// Whether edge `e`'s flow can take another value with every other edge in its bounds.
    pub fn can_move(&self, e: usize) -> bool {
        let edge = self.edges[e];
        (edge.up == Arc::Open && self.path(e, edge.to, edge.from, false).is_some())
            || (edge.down == Arc::Open && self.path(e, edge.from, edge.to, false).is_some())
    }

    /// The cheapest set of edges to repair so that `e` can move (empty if it already can),
    /// with its cost, or `None` if no repair helps. `rise_only`: only so that it can rise.
    pub fn cheapest_unpinning(&self, e: usize, rise_only: bool) -> Option<(Cost, Vec<usize>)> {
        let edge = self.edges[e];
        let mut best: Option<(Cost, Vec<usize>)> = None;
        // Up: e's own arc, then back from its head to its tail. Down: the reverse.
        let directions = [
            (edge.up, edge.to, edge.from),
            (edge.down, edge.from, edge.to),
        ];
        for (own, start, target) in directions.into_iter().take(if rise_only { 1 } else { 2 }) {
            let own_cost = match own {
                Arc::Open => (0, 0),
                Arc::Repair(cost) => (cost, 1),
                Arc::Closed => continue,
            };
            let Some((cost, mut repairs)) = self.path(e, start, target, true) else {
                continue;
            };
            let cost = add(cost, own_cost);
            if matches!(own, Arc::Repair(_)) {
                repairs.push(e);
            }
            if best.as_ref().is_none_or(|(best_cost, _)| cost < *best_cost) {
                best = Some((cost, repairs));
            }
        }
        best
    }

    /// The cheapest path from `start` to `target` in the residual graph without edge
    /// `skip`, using only open arcs unless `repair`; its cost and the edges it repairs.
    /// Dijkstra; the graphs have a few dozen nodes.
    fn path(
        &self,
        skip: usize,
        start: usize,
        target: usize,
        repair: bool,
    ) -> Option<(Cost, Vec<usize>)> {
        let nodes = self.incident.len();
        let mut cost: Vec<Option<Cost>> = vec![None; nodes];
        // How each node was reached: the edge, the node before, whether the arc is repaired.
        let mut via: Vec<Option<(usize, usize, bool)>> = vec![None; nodes];
        let mut done = vec![false; nodes];
        cost[start] = Some((0, 0));
        loop {
            let (here, node) = (0..nodes)
                .filter(|&n| !done[n])
                .filter_map(|n| cost[n].map(|c| (c, n)))
                .min()?;
            if node == target {
                break;
            }
            done[node] = true;
            for &i in &self.incident[node] {
                let edge = self.edges[i];
                if i == skip || edge.from == edge.to {
                    continue;
                }
                // Leaving `node` along the edge's direction raises its flow; against it,
                // lowers it.
                let (next, arc) = if edge.from == node {
                    (edge.to, edge.up)
                } else {
                    (edge.from, edge.down)
                };
                let step = match arc {
                    Arc::Open => (0, 0),
                    Arc::Repair(c) if repair => (c, 1),
                    _ => continue,
                };
                let reached = add(here, step);
                if !done[next] && cost[next].is_none_or(|c| reached < c) {
                    cost[next] = Some(reached);
                    via[next] = Some((i, node, step.1 == 1));
                }
            }
        }
        let mut repairs = Vec::new();
        let mut node = target;
        while node != start {
            let (i, before, repaired) = via[node]?;
            if repaired {
                repairs.push(i);
            }
            node = before;
        }
        Some((cost[target]?, repairs))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn edge(from: usize, to: usize, up: Arc, down: Arc) -> Edge {
        Edge { from, to, up, down }
    }

    #[test]
    fn a_lone_edge_in_a_cycle_of_open_arcs_can_move() {
        let mut net = Network::new(2);
        let a = net.add(edge(0, 1, Arc::Open, Arc::Closed));
        net.add(edge(1, 0, Arc::Open, Arc::Closed));
        assert!(net.can_move(a));
    }

    #[test]
    fn a_fixed_partner_pins_the_edge_and_repairing_it_frees_it() {
        let mut net = Network::new(2);
        let a = net.add(edge(0, 1, Arc::Open, Arc::Open));
        let b = net.add(edge(1, 0, Arc::Repair(7), Arc::Repair(7)));
        let c = net.add(edge(1, 0, Arc::Repair(3), Arc::Closed));
        assert!(!net.can_move(a));
        assert_eq!(net.cheapest_unpinning(a, false), Some(((3, 1), vec![c])));
        let _ = b;
    }

    #[test]
    fn direction_matters_on_a_path() {
        // 0 -a-> 1 -b-> 2 -c-> 0; b can only go down, so a can go neither way with c up only.
        let mut net = Network::new(3);
        let a = net.add(edge(0, 1, Arc::Open, Arc::Open));
        net.add(edge(1, 2, Arc::Closed, Arc::Open));
        net.add(edge(2, 0, Arc::Open, Arc::Closed));
        assert!(!net.can_move(a));
        assert_eq!(net.cheapest_unpinning(a, false), None);
    }
}
