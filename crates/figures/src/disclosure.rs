//! Disclosure control: the one step every figure passes before it leaves the core.
//!
//! See the crate documentation for the rules and why they are needed. In short:
//! [`protect`] hides every count from 1 to `threshold − 1` (primary suppression, shown as
//! `<5`), then hides further cells or totals (secondary suppression, shown as `–`) until no
//! hidden count can be worked out from what is published.
//!
//! # The attacker's knowledge
//!
//! Everything shown, plus: a count shown as `<t` lies in `1..=t−1`; a count shown as `–`
//! is at least 1 (zeros are never hidden) and has no known upper bound; and the relations
//! between the figures:
//!
//! - single-valued dimension: the cells of a period add up to its total;
//! - multi-valued dimension: a period's total is the number of *records*, and a record can
//!   count under several categories or (if it has none recorded) under none, so the cells do
//!   **not** add up to it. All that is known is that each cell is at most its total. We
//!   treat it as exactly that: an inequality, not an equation. Not modelled: if a reader
//!   knows that every record has at least one category, the total is also at most the sum
//!   of the cells, and that can pin a cell (total 9, shown cells 5, one cell `<5`: it is at
//!   least 4). A dimension where every record has at least one category is only protected
//!   as far as that knowledge is not assumed.
//! - with row totals: a category's cells add up to its row total (each record falls in one
//!   period, whatever the dimension), and the period totals add up to the grand total.
//!
//! # The check
//!
//! For a single-valued table the figures form a circulation (module `network`): nodes
//! A and B, one node per category and one per period; edges A→category (row total),
//! category→period (cell), period→B (period total), B→A (grand total). Each node's
//! equation is one of the relations above; an unpublished row or grand total is an edge
//! with bounds 0..∞. The matrix is totally unimodular, so a hidden figure can take another
//! value exactly when its edge lies on a cycle of the residual graph: the check is exact.
//!
//! A multi-valued table is two circulations tied together by "cell ≤ total": the cells with
//! their row totals (A→category→Z, plus a free edge Z→A, since nothing fixes the sum of all
//! cells) and the period totals with the grand total (C→D per period, D→C). We check each
//! figure in a *subset* of what the attacker must consider, in which the other side is held
//! still: the cells with each capped by its period's true total; the totals with each kept
//! at or above its largest cell. If a cell is pinned only by that cap, we also try the
//! subsets in which one period total is raised by one (and the grand total, or another
//! period total that has room, moves to compensate); if a total is pinned only by its
//! largest cells, the subsets in which it drops by one together with them (each hidden, in
//! a different row, and able to drop within its row). Every value found possible in a subset
//! is possible for the attacker, so a figure found free is free; a figure the subsets miss
//! is simply hidden further, which costs figures but never safety.
//!
//! # The algorithm
//!
//! After primary suppression, repeatedly take the first hidden figure that cannot move, and
//! hide the cheapest set of shown figures (or drop the `<t` bound of a primary one, showing
//! it as `–`) that puts it on a cycle: a shortest path in the residual graph where arcs that
//! are open cost nothing and arcs that hiding would open cost the figure's value (a cell),
//! a large penalty plus the value (a total), or a larger penalty (dropping a `<t` bound).
//! So the smallest cells in the same row or column go first, totals only when no cells
//! will do. Hiding only widens what the attacker must consider, so a figure once free stays
//! free, and every round hides at least one more figure: the loop ends. For a multi-valued
//! cell or row total we also price the two-step repair (make one period total able to rise,
//! then find the cycle with that period's cells capped one higher) and take the cheaper.
//! If no repair exists (possible only in the multi-valued subsets; the property tests do
//! not reach it), the figure, its period total, its row total and the grand total are all
//! hidden with `–`: then all four can rise by one together.

use serde::{Deserialize, Serialize};

use crate::network::{add, Arc, Cost, Edge, Network, UNBOUNDED};
use crate::period::Period;
use crate::table::{Category, Table};

/// The smallest count that is shown as it is; counts from 1 to `threshold − 1` are hidden.
/// At least [`Threshold::MIN`]; [`Threshold::DEFAULT`] is 5.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "u64", into = "u64")]
pub struct Threshold(u64);

/// A threshold below [`Threshold::MIN`].
#[derive(Clone, Copy, Debug, PartialEq, Eq, thiserror::Error)]
#[error("threshold {0} is below the minimum of {min}", min = Threshold::MIN)]
pub struct ThresholdError(pub u64);

impl Threshold {
    /// Below 3, a hidden count would be known to be exactly 1.
    pub const MIN: u64 = 3;
    /// The usual threshold: counts 1 to 4 are hidden.
    pub const DEFAULT: Threshold = Threshold(5);

    pub fn new(threshold: u64) -> Result<Self, ThresholdError> {
        if threshold < Self::MIN {
            Err(ThresholdError(threshold))
        } else {
            Ok(Threshold(threshold))
        }
    }

    pub fn get(self) -> u64 {
        self.0
    }
}

impl Default for Threshold {
    fn default() -> Self {
        Threshold::DEFAULT
    }
}

impl TryFrom<u64> for Threshold {
    type Error = ThresholdError;
    fn try_from(threshold: u64) -> Result<Self, Self::Error> {
        Threshold::new(threshold)
    }
}

impl From<Threshold> for u64 {
    fn from(threshold: Threshold) -> u64 {
        threshold.0
    }
}

/// A published figure: a count, or hidden.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Cell {
    Shown(u64),
    /// `primary`: the count is from 1 to `threshold − 1`, shown as `<threshold`. Otherwise
    /// it is hidden so that other hidden counts cannot be worked out, shown as `–`; it is
    /// at least 1 and may be of any size (even below the threshold).
    Hidden {
        primary: bool,
    },
}

impl Cell {
    /// What is displayed: the number, `<5` (with the threshold in place of 5), or `–`.
    ///
    /// ```
    /// use zicht_figures::{Cell, Threshold};
    /// let t = Threshold::DEFAULT;
    /// assert_eq!(Cell::Shown(12).text(t), "12");
    /// assert_eq!(Cell::Hidden { primary: true }.text(t), "<5");
    /// assert_eq!(Cell::Hidden { primary: false }.text(t), "–");
    /// ```
    pub fn text(self, threshold: Threshold) -> String {
        match self {
            Cell::Shown(count) => count.to_string(),
            Cell::Hidden { primary: true } => format!("<{}", threshold.get()),
            Cell::Hidden { primary: false } => "–".to_owned(),
        }
    }

    /// The count, if shown.
    pub fn value(self) -> Option<u64> {
        match self {
            Cell::Shown(count) => Some(count),
            Cell::Hidden { .. } => None,
        }
    }

    pub fn is_hidden(self) -> bool {
        matches!(self, Cell::Hidden { .. })
    }
}

/// A table after disclosure control: what may be published. Only [`protect`] makes one;
/// deserialising is for the receiving side (the UI) and checks nothing.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Protected {
    threshold: Threshold,
    dimension: String,
    multi_valued: bool,
    categories: Vec<Category>,
    periods: Vec<Period>,
    cells: Vec<Vec<Cell>>,
    totals: Vec<Cell>,
    row_totals: Option<Vec<Cell>>,
    grand_total: Option<Cell>,
}

impl Protected {
    pub fn threshold(&self) -> Threshold {
        self.threshold
    }

    pub fn dimension(&self) -> &str {
        &self.dimension
    }

    pub fn multi_valued(&self) -> bool {
        self.multi_valued
    }

    pub fn categories(&self) -> &[Category] {
        &self.categories
    }

    pub fn periods(&self) -> &[Period] {
        &self.periods
    }

    /// `cells()[c][p]`: category `c` in period `p`.
    pub fn cells(&self) -> &[Vec<Cell>] {
        &self.cells
    }

    /// Category `c` in period `p`, if both exist.
    pub fn cell(&self, c: usize, p: usize) -> Option<Cell> {
        self.cells.get(c)?.get(p).copied()
    }

    /// The total per period.
    pub fn totals(&self) -> &[Cell] {
        &self.totals
    }

    /// The total per category over all periods, if published.
    pub fn row_totals(&self) -> Option<&[Cell]> {
        self.row_totals.as_deref()
    }

    /// The total over all periods, published with the row totals.
    pub fn grand_total(&self) -> Option<Cell> {
        self.grand_total
    }

    /// The display text of a figure of this table.
    pub fn text(&self, cell: Cell) -> String {
        cell.text(self.threshold)
    }

    fn figures(&self) -> impl Iterator<Item = Cell> + '_ {
        self.cells
            .iter()
            .flatten()
            .chain(&self.totals)
            .chain(self.row_totals.iter().flatten())
            .chain(&self.grand_total)
            .copied()
    }

    /// The footnote to print under the table, or `None` if nothing is hidden: only the
    /// sentences that apply.
    pub fn footnote(&self) -> Option<String> {
        let primary = self.figures().any(|f| f == Cell::Hidden { primary: true });
        let secondary = self.figures().any(|f| f == Cell::Hidden { primary: false });
        match (primary, secondary) {
            (false, false) => None,
            (true, false) => Some(primary_sentence(self.threshold)),
            (false, true) => Some(SECONDARY_ALONE.to_owned()),
            (true, true) => Some(footnote(self.threshold)),
        }
    }
}

fn primary_sentence(threshold: Threshold) -> String {
    let t = threshold.get();
    format!(
        "Aantallen van 1 tot en met {} staan als <{t} in de tabel, zodat niemand herkenbaar is.",
        t - 1
    )
}

const SECONDARY: &str = "Om dezelfde reden zijn ook enkele andere aantallen of totalen weggelaten \
     (–); anders zouden de verborgen aantallen uit de overige cijfers te herleiden zijn.";

const SECONDARY_ALONE: &str = "Enkele aantallen of totalen zijn weggelaten (–), zodat niemand \
     herkenbaar is en verborgen aantallen niet uit de overige cijfers te herleiden zijn.";

/// The full footnote explaining `<t` and `–`, in Dutch.
///
/// ```
/// use zicht_figures::{footnote, Threshold};
/// assert!(footnote(Threshold::DEFAULT).starts_with("Aantallen van 1 tot en met 4 staan als <5"));
/// ```
pub fn footnote(threshold: Threshold) -> String {
    format!("{} {SECONDARY}", primary_sentence(threshold))
}

/// A figure computed over `n_records` records (a mean or median duration, say) may be shown
/// only if there are at least `threshold` of them.
///
/// ```
/// use zicht_figures::{protect_duration, Threshold};
/// let t = Threshold::DEFAULT;
/// assert_eq!(protect_duration(4, 31.5, t), None);
/// assert_eq!(protect_duration(5, 31.5, t), Some(31.5));
/// ```
pub fn protect_duration<T>(n_records: u64, value: T, threshold: Threshold) -> Option<T> {
    (n_records >= threshold.get()).then_some(value)
}

/// Applies disclosure control to `table` (see the module and crate documentation).
///
/// ```
/// use zicht_figures::{protect, Category, Cell, Period, Table, Threshold};
///
/// let table = Table::single_valued(
///     "Bron",
///     vec![Category::new("politie", "Politie"), Category::new("zorg", "Zorg")],
///     vec![Period::month(2026, 7).unwrap()],
///     vec![vec![3], vec![12]],
/// )
/// .unwrap();
/// let protected = protect(&table, Threshold::DEFAULT);
/// // 3 is below the threshold; 12 would give it away (15 − 12), so it goes too.
/// assert_eq!(protected.cell(0, 0), Some(Cell::Hidden { primary: true }));
/// assert_eq!(protected.cell(1, 0), Some(Cell::Hidden { primary: false }));
/// assert_eq!(protected.totals()[0], Cell::Shown(15));
/// ```
pub fn protect(table: &Table, threshold: Threshold) -> Protected {
    let mut figures = Figures::new(table, threshold);
    figures.suppress();
    figures.protected()
}

/// Cost of hiding a total rather than a cell of the same value.
const TOTAL_PENALTY: u64 = 1 << 32;
/// Cost of dropping the `<t` bound of a primary figure (showing it as `–`).
const DROP_BOUND_PENALTY: u64 = 1 << 48;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Status {
    Shown,
    /// Hidden as `<t`: the attacker knows 1..=t−1.
    Primary,
    /// Hidden as `–`: the attacker knows ≥ 1.
    Secondary,
    /// A row or grand total the table does not publish: the attacker knows ≥ 0.
    Unpublished,
}

/// A figure of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Item {
    Cell(usize, usize),
    Total(usize),
    RowTotal(usize),
    Grand,
}

/// The figures of a table with their true values and what is published of each; items are
/// numbered cells (row by row), period totals, row totals, grand total.
#[derive(Clone)]
struct Figures<'a> {
    table: &'a Table,
    t: u64,
    n_c: usize,
    n_p: usize,
    value: Vec<u64>,
    status: Vec<Status>,
}

/// A network with, for each item, its edge (if it has one in that network).
struct Graph {
    net: Network,
    edge: Vec<Option<usize>>,
}

impl Graph {
    /// The items of these edges; `None` if one is not an item's.
    fn items_of(&self, edges: Vec<usize>) -> Option<Vec<usize>> {
        edges
            .into_iter()
            .map(|edge| self.edge.iter().position(|&e| e == Some(edge)))
            .collect()
    }
}

impl<'a> Figures<'a> {
    fn new(table: &'a Table, threshold: Threshold) -> Self {
        let (n_c, n_p) = (table.categories().len(), table.periods().len());
        let mut figures = Figures {
            table,
            t: threshold.get(),
            n_c,
            n_p,
            value: Vec::new(),
            status: Vec::new(),
        };
        let published_rows = table.has_row_totals();
        for item in figures.items() {
            let (value, published) = match item {
                Item::Cell(c, p) => (table.counts()[c][p], true),
                Item::Total(p) => (table.totals()[p], true),
                Item::RowTotal(c) => (table.row_sums()[c], published_rows),
                Item::Grand => (table.grand_total(), published_rows),
            };
            // Primary suppression.
            let status = if !published {
                Status::Unpublished
            } else if (1..figures.t).contains(&value) {
                Status::Primary
            } else {
                Status::Shown
            };
            figures.value.push(value);
            figures.status.push(status);
        }
        figures
    }

    fn items(&self) -> impl Iterator<Item = Item> {
        let (n_c, n_p) = (self.n_c, self.n_p);
        (0..n_c)
            .flat_map(move |c| (0..n_p).map(move |p| Item::Cell(c, p)))
            .chain((0..n_p).map(Item::Total))
            .chain((0..n_c).map(Item::RowTotal))
            .chain([Item::Grand])
    }

    fn index(&self, item: Item) -> usize {
        let cells = self.n_c * self.n_p;
        match item {
            Item::Cell(c, p) => c * self.n_p + p,
            Item::Total(p) => cells + p,
            Item::RowTotal(c) => cells + self.n_p + c,
            Item::Grand => cells + self.n_p + self.n_c,
        }
    }

    fn value_of(&self, item: Item) -> u64 {
        self.value[self.index(item)]
    }

    fn status_of(&self, item: Item) -> Status {
        self.status[self.index(item)]
    }

    fn hidden(&self, item: Item) -> bool {
        matches!(self.status_of(item), Status::Primary | Status::Secondary)
    }

    /// The two arcs of `item`'s edge, with its lower bound raised to `floor` and its upper
    /// bound lowered to `cap` (the multi-valued subsets).
    fn edge(&self, item: Item, from: usize, to: usize, floor: u64, cap: u64) -> Edge {
        let flow = self.value_of(item);
        let status = self.status_of(item);
        let (lower, upper, repairable) = match status {
            Status::Shown => (flow, flow, flow > 0),
            Status::Primary => (1, self.t - 1, true),
            Status::Secondary => (1, UNBOUNDED, false),
            Status::Unpublished => (0, UNBOUNDED, false),
        };
        let penalty = match (status, item) {
            (Status::Primary, _) => DROP_BOUND_PENALTY,
            (_, Item::Cell(..)) => 0,
            _ => TOTAL_PENALTY,
        };
        let cost = penalty.saturating_add(flow);
        // A repaired figure is hidden as `–`: bounds 1..∞.
        let up = if flow < upper.min(cap) {
            Arc::Open
        } else if repairable && flow < cap {
            Arc::Repair(cost)
        } else {
            Arc::Closed
        };
        let down = if flow > lower.max(floor) {
            Arc::Open
        } else if repairable && flow > floor.max(1) {
            Arc::Repair(cost)
        } else {
            Arc::Closed
        };
        Edge { from, to, up, down }
    }

    /// Single-valued: every relation in one circulation. Nodes: A = 0, B = 1, category c =
    /// 2 + c, period p = 2 + n_c + p.
    fn joint_graph(&self) -> Graph {
        let (a, b) = (0, 1);
        let category = |c: usize| 2 + c;
        let period = |p: usize| 2 + self.n_c + p;
        let mut net = Network::new(2 + self.n_c + self.n_p);
        let mut edge = Vec::new();
        for item in self.items() {
            let (from, to) = match item {
                Item::Cell(c, p) => (category(c), period(p)),
                Item::Total(p) => (period(p), b),
                Item::RowTotal(c) => (a, category(c)),
                Item::Grand => (b, a),
            };
            edge.push(Some(net.add(self.edge(item, from, to, 0, UNBOUNDED))));
        }
        Graph { net, edge }
    }

    /// Multi-valued: the cells and row totals, each cell capped by `caps[p]` (a value its
    /// period total can take with the other totals consistent). Nodes: A = 0, Z = 1,
    /// category c = 2 + c.
    fn row_graph(&self, caps: &[u64]) -> Graph {
        let (a, z) = (0, 1);
        let mut net = Network::new(2 + self.n_c);
        let mut edge = Vec::new();
        for item in self.items() {
            edge.push(match item {
                Item::Cell(c, p) => Some(net.add(self.edge(item, 2 + c, z, 0, caps[p]))),
                Item::RowTotal(c) => Some(net.add(self.edge(item, a, 2 + c, 0, UNBOUNDED))),
                Item::Total(_) | Item::Grand => None,
            });
        }
        // Nothing relates the sum of all cells to anything: a free edge.
        let sum: u64 = self.table.row_sums().iter().sum();
        let down = if sum > 0 { Arc::Open } else { Arc::Closed };
        net.add(Edge {
            from: z,
            to: a,
            up: Arc::Open,
            down,
        });
        Graph { net, edge }
    }

    /// The largest count of each period.
    fn largest_cells(&self) -> Vec<u64> {
        (0..self.n_p)
            .map(|p| {
                (0..self.n_c)
                    .map(|c| self.value_of(Item::Cell(c, p)))
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    /// Multi-valued: the period totals and the grand total, each total kept at or above
    /// `floors[p]`. Nodes: C = 0, D = 1.
    fn total_graph(&self, floors: &[u64]) -> Graph {
        let mut net = Network::new(2);
        let mut edge = Vec::new();
        for item in self.items() {
            edge.push(match item {
                Item::Total(p) => Some(net.add(self.edge(item, 0, 1, floors[p], UNBOUNDED))),
                Item::Grand => Some(net.add(self.edge(item, 1, 0, 0, UNBOUNDED))),
                Item::Cell(..) | Item::RowTotal(_) => None,
            });
        }
        Graph { net, edge }
    }

    /// Whether a hidden figure can take another value (see the module documentation).
    fn is_free(&self, item: Item) -> bool {
        let i = self.index(item);
        let moves = |graph: &Graph| graph.edge[i].is_some_and(|e| graph.net.can_move(e));
        if !self.table.multi_valued() {
            return moves(&self.joint_graph());
        }
        match item {
            Item::Total(_) | Item::Grand => {
                let largest = self.largest_cells();
                moves(&self.total_graph(&largest))
                    || (0..self.n_p)
                        .filter(|&p| self.column_can_drop(p, largest[p]))
                        .any(|p| {
                            let mut floors = largest.clone();
                            floors[p] -= 1;
                            moves(&self.total_graph(&floors))
                        })
            }
            Item::Cell(..) | Item::RowTotal(_) => {
                moves(&self.row_graph(self.table.totals()))
                    || self
                        .raised_caps(None)
                        .iter()
                        .any(|caps| moves(&self.row_graph(caps)))
            }
        }
    }

    /// Multi-valued: the period totals with one of them raised by one, and the grand total
    /// raised or another period total lowered to compensate, for every such move the
    /// attacker cannot rule out (with the cells as they are).
    fn raised_caps(&self, only: Option<usize>) -> Vec<Vec<u64>> {
        let graph = self.total_graph(&self.largest_cells());
        let totals = self.table.totals();
        let arcs = |item: Item| graph.edge[self.index(item)].map(|e| graph.net.edge(e));
        let grand_up = arcs(Item::Grand).is_some_and(|e| e.up == Arc::Open);
        let mut all = Vec::new();
        for q in (0..self.n_p).filter(|&q| only.is_none_or(|only| only == q)) {
            if !arcs(Item::Total(q)).is_some_and(|e| e.up == Arc::Open) {
                continue;
            }
            let mut caps = totals.to_vec();
            caps[q] += 1;
            if grand_up {
                all.push(caps.clone());
            }
            for r in (0..self.n_p).filter(|&r| r != q) {
                if arcs(Item::Total(r)).is_some_and(|e| e.down == Arc::Open) {
                    let mut lowered = caps.clone();
                    lowered[r] -= 1;
                    all.push(lowered);
                }
            }
        }
        all
    }

    /// Multi-valued: whether every largest cell of period `p` (which hold its total up when
    /// they equal it) can drop by one within its own row, all at once: each is hidden and
    /// above 1, and its row total can drop with it or another cell of its row can rise
    /// (below its period total). The rows are distinct, so the moves do not interfere.
    fn column_can_drop(&self, p: usize, largest: u64) -> bool {
        let total = self.value_of(Item::Total(p));
        if largest != total || total < 2 {
            // Nothing holds the total up (the plain check sees that), or it cannot drop.
            return false;
        }
        let totals = self.table.totals();
        (0..self.n_c)
            .filter(|&c| self.value_of(Item::Cell(c, p)) == total)
            .all(|c| {
                let cell = Item::Cell(c, p);
                let row_drops = self.edge(Item::RowTotal(c), 0, 0, 0, UNBOUNDED).down == Arc::Open;
                let partner_rises = (0..self.n_p).filter(|&q| q != p).any(|q| {
                    let partner = Item::Cell(c, q);
                    self.hidden(partner) && self.edge(partner, 0, 0, 0, totals[q]).up == Arc::Open
                });
                self.hidden(cell)
                    && self.edge(cell, 0, 0, 0, UNBOUNDED).down == Arc::Open
                    && (row_drops || partner_rises)
            })
    }

    /// The cheapest figures to hide so that `item` can move, with the cost, or `None`.
    fn plan(&self, item: Item) -> Option<(Cost, Vec<usize>)> {
        let graph = match (self.table.multi_valued(), item) {
            (false, _) => self.joint_graph(),
            (true, Item::Cell(..) | Item::RowTotal(_)) => self.row_graph(self.table.totals()),
            (true, Item::Total(_) | Item::Grand) => self.total_graph(&self.largest_cells()),
        };
        let (cost, edges) = graph
            .net
            .cheapest_unpinning(graph.edge[self.index(item)]?, false)?;
        Some((cost, graph.items_of(edges)?))
    }

    /// Multi-valued, a cell or row total: the cheapest figures to hide so that one period
    /// total can rise by one (in the totals' graph) and then `item` can move with that
    /// period's cells capped one higher (in the rows' graph): for a cell that equals its
    /// period total, say.
    fn raised_plan(&self, item: Item) -> Option<(Cost, Vec<usize>)> {
        if !self.table.multi_valued() || matches!(item, Item::Total(_) | Item::Grand) {
            return None;
        }
        let totals = self.total_graph(&self.largest_cells());
        let mut best: Option<(Cost, Vec<usize>)> = None;
        for q in 0..self.n_p {
            let Some(e) = totals.edge[self.index(Item::Total(q))] else {
                continue;
            };
            let Some((cost, edges)) = totals.net.cheapest_unpinning(e, true) else {
                continue;
            };
            let Some(first) = totals.items_of(edges) else {
                continue;
            };
            let mut trial = self.clone();
            trial.hide(first.iter().copied());
            for caps in trial.raised_caps(Some(q)) {
                let rows = trial.row_graph(&caps);
                let Some(e) = rows.edge[self.index(item)] else {
                    continue;
                };
                let Some((more, edges)) = rows.net.cheapest_unpinning(e, false) else {
                    continue;
                };
                let Some(second) = rows.items_of(edges) else {
                    continue;
                };
                let cost = add(cost, more);
                if best.as_ref().is_none_or(|(best_cost, _)| cost < *best_cost) {
                    best = Some((cost, first.iter().copied().chain(second).collect()));
                }
            }
        }
        best
    }

    /// Figures that, hidden as `–`, can all rise by one together with `item`: a last resort.
    fn fallback(&self, item: Item) -> Vec<Item> {
        let positive_cell_in_column =
            |p: usize| (0..self.n_c).find(|&c| self.value_of(Item::Cell(c, p)) > 0);
        let positive_cell_in_row =
            |c: usize| (0..self.n_p).find(|&p| self.value_of(Item::Cell(c, p)) > 0);
        let with_totals = |c: usize, p: usize| {
            vec![
                Item::Cell(c, p),
                Item::Total(p),
                Item::RowTotal(c),
                Item::Grand,
            ]
        };
        let multi = self.table.multi_valued();
        match item {
            Item::Cell(c, p) => with_totals(c, p),
            Item::RowTotal(c) => positive_cell_in_row(c).map_or(vec![item], |p| with_totals(c, p)),
            Item::Total(_) if multi => vec![item, Item::Grand],
            Item::Total(p) => positive_cell_in_column(p).map_or(vec![item], |c| with_totals(c, p)),
            Item::Grand if multi => (0..self.n_p)
                .find(|&p| self.value_of(Item::Total(p)) > 0)
                .map_or(vec![item], |p| vec![Item::Total(p), Item::Grand]),
            Item::Grand => (0..self.n_c * self.n_p)
                .find(|&i| self.value[i] > 0)
                .map_or(vec![item], |i| with_totals(i / self.n_p, i % self.n_p)),
        }
    }

    /// Hides `items` as `–` (positive shown or primary figures only); whether any changed.
    fn hide(&mut self, items: impl IntoIterator<Item = usize>) -> bool {
        let mut changed = false;
        for i in items {
            if self.value[i] > 0 && matches!(self.status[i], Status::Shown | Status::Primary) {
                self.status[i] = Status::Secondary;
                changed = true;
            }
        }
        changed
    }

    /// Secondary suppression.
    fn suppress(&mut self) {
        loop {
            let pinned = self
                .items()
                .find(|&item| self.hidden(item) && !self.is_free(item));
            let Some(item) = pinned else { return };
            let planned = match (self.plan(item), self.raised_plan(item)) {
                (Some(a), Some(b)) => Some(if b.0 < a.0 { b } else { a }),
                (a, b) => a.or(b),
            };
            if self.hide(planned.map(|(_, items)| items).unwrap_or_default()) {
                continue;
            }
            let fallback: Vec<usize> = self
                .fallback(item)
                .into_iter()
                .map(|f| self.index(f))
                .collect();
            if self.hide(fallback) {
                continue;
            }
            // Unreachable by the reasoning in the module documentation; hide every positive
            // figure rather than publish one that gives a count away.
            debug_assert!(false, "no suppression frees {item:?}");
            let all: Vec<usize> = (0..self.value.len()).collect();
            self.hide(all);
            return;
        }
    }

    fn cell(&self, item: Item) -> Option<Cell> {
        match self.status_of(item) {
            Status::Shown => Some(Cell::Shown(self.value_of(item))),
            Status::Primary => Some(Cell::Hidden { primary: true }),
            Status::Secondary => Some(Cell::Hidden { primary: false }),
            Status::Unpublished => None,
        }
    }

    fn protected(&self) -> Protected {
        let table = self.table;
        // Every cell and period total is published, so `cell` gives `Some` for them.
        let published = |item: Item| self.cell(item).unwrap_or(Cell::Hidden { primary: false });
        Protected {
            threshold: Threshold(self.t),
            dimension: table.dimension().to_owned(),
            multi_valued: table.multi_valued(),
            categories: table.categories().to_vec(),
            periods: table.periods().to_vec(),
            cells: (0..self.n_c)
                .map(|c| (0..self.n_p).map(|p| published(Item::Cell(c, p))).collect())
                .collect(),
            totals: (0..self.n_p).map(|p| published(Item::Total(p))).collect(),
            row_totals: table.has_row_totals().then(|| {
                (0..self.n_c)
                    .map(|c| published(Item::RowTotal(c)))
                    .collect()
            }),
            grand_total: table.has_row_totals().then(|| published(Item::Grand)),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn table(counts: &[&[u64]], multi_totals: Option<&[u64]>) -> Table {
        let categories = (0..counts.len())
            .map(|c| Category::new(format!("c{c}"), "C"))
            .collect();
        let mut periods = vec![Period::month(2026, 1).unwrap()];
        while periods.len() < counts[0].len() {
            periods.push(periods.last().unwrap().next().unwrap());
        }
        let counts = counts.iter().map(|row| row.to_vec()).collect();
        match multi_totals {
            None => Table::single_valued("D", categories, periods, counts),
            Some(totals) => Table::new("D", categories, periods, counts, totals.to_vec(), true),
        }
        .unwrap()
        .with_row_totals()
    }

    /// The last resort is not reached by the property tests; check its claim directly:
    /// after it, the figure can move, whatever was hidden before.
    #[test]
    fn the_fallback_frees_every_figure() {
        let tables = [
            table(&[&[1, 10, 0], &[3, 3, 9]], None),
            table(&[&[4, 1, 0], &[1, 4, 2]], Some(&[4, 4, 2])),
            table(&[&[1, 10, 0]], Some(&[1, 13, 0])),
            table(&[&[2, 0], &[2, 0]], Some(&[2, 5])),
        ];
        for table in &tables {
            for t in [3, 5] {
                let start = Figures::new(table, Threshold::new(t).unwrap());
                for item in start.items() {
                    if start.value_of(item) == 0 {
                        continue;
                    }
                    let mut figures = start.clone();
                    let all: Vec<usize> = figures
                        .fallback(item)
                        .iter()
                        .map(|&f| figures.index(f))
                        .collect();
                    figures.hide(all);
                    assert!(figures.hidden(item));
                    assert!(
                        figures.is_free(item),
                        "{item:?} of {:?} at {t}",
                        table.counts()
                    );
                }
            }
        }
    }
}
