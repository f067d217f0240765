//! PostgreSQL 15's cost model (costsize.c and the estimators it calls) for the plan nodes
//! EXPLAIN prints, with the default settings. Each formula keeps PostgreSQL's order of
//! floating-point operations, so the printed costs round the same way.

pub const SEQ_PAGE_COST: f64 = 1.0;
pub const RANDOM_PAGE_COST: f64 = 4.0;
pub const CPU_TUPLE_COST: f64 = 0.01;
pub const CPU_INDEX_TUPLE_COST: f64 = 0.005;
pub const CPU_OPERATOR_COST: f64 = 0.0025;
/// The page size.
pub const BLCKSZ: f64 = 8192.0;
/// work_mem (4MB) in bytes.
const WORK_MEM: f64 = 4096.0 * 1024.0;
/// hash_mem_multiplier (2.0) × work_mem.
const HASH_MEM: f64 = 2.0 * WORK_MEM;
/// effective_cache_size (4GB) in pages.
const EFFECTIVE_CACHE_SIZE: f64 = 524288.0;
/// MAXALIGN(SizeofHeapTupleHeader).
const HEAP_TUPLE_HEADER: i64 = 24;
/// MAXALIGN(SizeofMinimalTupleHeader).
const MINIMAL_TUPLE_HEADER: f64 = 16.0;
/// A palloc chunk header.
const CHUNK_HEADER: f64 = 16.0;

/// A plan node's estimate as EXPLAIN prints it.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Cost {
    pub startup: f64,
    pub total: f64,
    pub rows: f64,
    pub width: i64,
}

impl Cost {
    pub fn new(startup: f64, total: f64, rows: f64, width: i64) -> Self {
        Cost {
            startup,
            total,
            rows,
            width,
        }
    }

    /// ` (cost=S..T rows=R width=W)` as EXPLAIN appends it to a node's title.
    pub fn text(&self) -> String {
        format!(
            "(cost={:.2}..{:.2} rows={:.0} width={})",
            self.startup, self.total, self.rows, self.width
        )
    }
}

/// The cost of evaluating expressions: once at startup, and per row.
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct QualCost {
    pub startup: f64,
    pub per_tuple: f64,
}

impl QualCost {
    /// `n` operator or function calls per row.
    pub fn operators(n: f64) -> Self {
        QualCost {
            startup: 0.0,
            per_tuple: CPU_OPERATOR_COST * n,
        }
    }
}

impl std::ops::Add for QualCost {
    type Output = QualCost;

    fn add(self, other: QualCost) -> QualCost {
        QualCost {
            startup: self.startup + other.startup,
            per_tuple: self.per_tuple + other.per_tuple,
        }
    }
}

/// A row estimate rounded to a whole number of at least one row.
pub fn clamp_row_est(rows: f64) -> f64 {
    if rows <= 1.0 {
        1.0
    } else {
        rows.round_ties_even()
    }
}

fn maxalign(n: i64) -> i64 {
    (n + 7) & !7
}

/// The bytes `tuples` rows of `width` take as heap tuples.
pub fn relation_byte_size(tuples: f64, width: i64) -> f64 {
    tuples * (maxalign(width) + HEAP_TUPLE_HEADER) as f64
}

fn page_size(tuples: f64, width: i64) -> f64 {
    (relation_byte_size(tuples, width) / BLCKSZ).ceil()
}

/// PostgreSQL's base-2 logarithm in cost formulas. Its ln 2 is rounded; the exact constant
/// would round some printed costs differently.
#[allow(clippy::approx_constant)]
fn log2(x: f64) -> f64 {
    x.ln() / 0.693147180559945
}

/// Rows that fit a page when a row's data is `data_width` bytes (header and line pointer
/// added; integer division, as PostgreSQL does).
pub fn tuples_per_page(data_width: i64) -> f64 {
    ((8192 - 24) / (data_width + 28).max(1)) as f64
}

/// (pages, tuples) of a table that was never vacuumed or analyzed: at least 10 pages, filled
/// with rows as wide as the column types suggest.
pub fn table_size(data_width: i64, live_rows: f64) -> (f64, f64) {
    let density = tuples_per_page(data_width);
    let pages = (live_rows / density).ceil().max(10.0);
    (pages, (density * pages).round_ties_even())
}

/// A sequential scan reading `tuples` rows of which `rows` pass `quals`; `target` is what
/// computing the output columns costs per returned row.
pub fn seq_scan(
    pages: f64,
    tuples: f64,
    rows: f64,
    quals: QualCost,
    target: QualCost,
    width: i64,
) -> Cost {
    let startup = quals.startup + target.startup;
    let cpu_per_tuple = CPU_TUPLE_COST + quals.per_tuple;
    let mut cpu_run = cpu_per_tuple * tuples;
    cpu_run += target.per_tuple * rows;
    let disk_run = SEQ_PAGE_COST * pages;
    Cost::new(startup, startup + cpu_run + disk_run, rows, width)
}

/// A btree index scan on a table without statistics.
#[derive(Clone, Copy, Debug)]
pub struct IndexScan {
    pub rel_pages: f64,
    pub rel_tuples: f64,
    pub index_pages: f64,
    /// Levels above the leaves (0 while the root is a leaf).
    pub tree_height: f64,
    /// Fraction of the table the index conditions select.
    pub selectivity: f64,
    /// Index entries visited: 1 for an equality on every column of a unique index.
    pub index_tuples: f64,
    /// Number of index conditions (each an operator call per entry).
    pub index_quals: usize,
}

/// btcostestimate (on genericcostestimate) and cost_index for one scan, uncorrelated.
pub fn index_scan(
    ix: &IndexScan,
    rows: f64,
    quals: QualCost,
    target: QualCost,
    width: i64,
) -> Cost {
    let mut index_tuples = if ix.index_tuples > 0.0 {
        ix.index_tuples
    } else {
        ix.selectivity * ix.rel_tuples
    };
    if index_tuples > ix.rel_tuples {
        index_tuples = ix.rel_tuples;
    }
    if index_tuples < 1.0 {
        index_tuples = 1.0;
    }
    let index_pages = if ix.index_pages > 1.0 && ix.rel_tuples > 1.0 {
        (index_tuples * ix.index_pages / ix.rel_tuples).ceil()
    } else {
        1.0
    };
    let mut index_total = index_pages * RANDOM_PAGE_COST;
    let qual_op_cost = CPU_OPERATOR_COST * ix.index_quals as f64;
    let mut index_startup = 0.0;
    index_total += index_tuples * (CPU_INDEX_TUPLE_COST + qual_op_cost);
    // Descending the tree: comparisons on the way down, then a page per level.
    if ix.rel_tuples > 1.0 {
        let descent = (ix.rel_tuples.ln() / 2.0f64.ln()).ceil() * CPU_OPERATOR_COST;
        index_startup += descent;
        index_total += descent;
    }
    let descent = (ix.tree_height + 1.0) * 50.0 * CPU_OPERATOR_COST;
    index_startup += descent;
    index_total += descent;

    let mut startup = index_startup;
    let mut run = index_total - index_startup;
    let tuples_fetched = clamp_row_est(ix.selectivity * ix.rel_tuples);
    let pages_fetched = index_pages_fetched(tuples_fetched, ix.rel_pages, ix.index_pages);
    let max_io = pages_fetched * RANDOM_PAGE_COST;
    run += max_io;
    startup += quals.startup;
    let cpu_per_tuple = CPU_TUPLE_COST + quals.per_tuple;
    let mut cpu_run = cpu_per_tuple * tuples_fetched;
    startup += target.startup;
    cpu_run += target.per_tuple * rows;
    run += cpu_run;
    Cost::new(startup, startup + run, rows, width)
}

/// Mackert and Lohman's estimate of the pages `tuples` random fetches read, with the table
/// and index competing for effective_cache_size.
fn index_pages_fetched(tuples: f64, pages: f64, index_pages: f64) -> f64 {
    let t = if pages > 1.0 { pages } else { 1.0 };
    let total_pages = (pages + index_pages).max(1.0);
    let b = EFFECTIVE_CACHE_SIZE * t / total_pages;
    let b = if b <= 1.0 { 1.0 } else { b.ceil() };
    if t <= b {
        let fetched = (2.0 * t * tuples) / (2.0 * t + tuples);
        if fetched >= t {
            t
        } else {
            fetched.ceil()
        }
    } else {
        let lim = (2.0 * t * b) / (2.0 * t - b);
        let fetched = if tuples <= lim {
            (2.0 * t * tuples) / (2.0 * t + tuples)
        } else {
            b + (tuples - lim) * (t - b) / t
        };
        fetched.ceil()
    }
}

/// A `Result` node computing one row.
pub fn result(target: QualCost, width: i64) -> Cost {
    let startup = target.startup;
    Cost::new(
        startup,
        startup + CPU_TUPLE_COST + target.per_tuple,
        1.0,
        width,
    )
}

/// The costs of a node's aggregates (AggClauseCosts).
#[derive(Clone, Copy, Debug, Default, PartialEq)]
pub struct AggCosts {
    /// Transition functions and their arguments, per input row.
    pub trans: QualCost,
    /// Final functions, per group.
    pub fin: QualCost,
    /// Distinct transition states per group.
    pub num_trans: usize,
    /// Bytes of by-reference transition values per group.
    pub transition_space: f64,
}

/// How an Agg node groups.
#[derive(Clone, Copy, Debug, PartialEq)]
pub enum AggStrategy {
    /// No GROUP BY: one output row.
    Plain,
    /// A hash table of groups.
    Hashed { group_cols: usize, groups: f64 },
}

/// An Agg node over `input` (cost_agg plus its output expressions). `having` is the HAVING
/// clause's cost and selectivity.
pub fn agg(
    input: &Cost,
    strategy: AggStrategy,
    aggs: &AggCosts,
    having: Option<(QualCost, f64)>,
    target: QualCost,
    width: i64,
) -> Cost {
    let (mut startup, mut total, mut rows) = match strategy {
        AggStrategy::Plain => {
            let mut startup = input.total;
            startup += aggs.trans.startup;
            startup += aggs.trans.per_tuple * input.rows;
            startup += aggs.fin.startup;
            startup += aggs.fin.per_tuple;
            (startup, startup + CPU_TUPLE_COST, 1.0)
        }
        AggStrategy::Hashed { group_cols, groups } => {
            let mut startup = input.total;
            startup += aggs.trans.startup;
            startup += aggs.trans.per_tuple * input.rows;
            startup += (CPU_OPERATOR_COST * group_cols as f64) * input.rows;
            startup += aggs.fin.startup;
            let mut total = startup;
            total += aggs.fin.per_tuple * groups;
            total += CPU_TUPLE_COST * groups;
            add_hash_agg_spill(input, aggs, groups, &mut startup, &mut total);
            (startup, total, groups)
        }
    };
    if let Some((qual, selectivity)) = having {
        startup += qual.startup;
        total += qual.startup + rows * qual.per_tuple;
        rows = clamp_row_est(rows * selectivity);
    }
    startup += target.startup;
    total += target.startup + target.per_tuple * rows;
    Cost::new(startup, total, rows, width)
}

/// Adds the disk costs of a hash aggregate whose groups do not fit hash_mem.
fn add_hash_agg_spill(
    input: &Cost,
    aggs: &AggCosts,
    groups: f64,
    startup: &mut f64,
    total: &mut f64,
) {
    let entry = hash_agg_entry_size(aggs.num_trans, input.width as f64, aggs.transition_space);
    let (mem_limit, groups_limit, partitions) = hash_agg_limits(entry, groups);
    let batches = ((groups * entry) / mem_limit).max(groups / groups_limit);
    let batches = batches.ceil().max(1.0);
    let partitions = partitions.max(2) as f64;
    let depth = (batches.ln() / partitions.ln()).ceil();
    let pages = relation_byte_size(input.rows, input.width) / BLCKSZ;
    let pages_written = pages * depth * 2.0;
    let pages_read = pages * depth * 2.0;
    *startup += pages_written * RANDOM_PAGE_COST;
    *total += pages_written * RANDOM_PAGE_COST;
    *total += pages_read * SEQ_PAGE_COST;
    let spill = depth * input.rows * 2.0 * CPU_TUPLE_COST;
    *startup += spill;
    *total += spill;
}

/// Bytes one group takes in a hash aggregate's table.
fn hash_agg_entry_size(num_trans: usize, width: f64, transition_space: f64) -> f64 {
    // TupleHashEntryData, then the group's tuple, its transition states and their values.
    let tuple = CHUNK_HEADER + MINIMAL_TUPLE_HEADER + width.trunc();
    let per_group = if num_trans > 0 {
        CHUNK_HEADER + 16.0 * num_trans as f64
    } else {
        0.0
    };
    let transition = if transition_space > 0.0 {
        CHUNK_HEADER + transition_space
    } else {
        0.0
    };
    24.0 + tuple + per_group + transition
}

/// hash_agg_set_limits: (memory for groups, groups that fit, spill partitions).
fn hash_agg_limits(entry: f64, groups: f64) -> (f64, f64, i64) {
    if groups * entry <= HASH_MEM {
        return (HASH_MEM, (HASH_MEM / entry).floor(), 0);
    }
    let partition_limit = (HASH_MEM * 0.25 - BLCKSZ) / BLCKSZ;
    let wanted = 1.5 * groups * entry;
    let wanted_partitions = (1.0 + wanted / HASH_MEM)
        .min(partition_limit)
        .clamp(4.0, 1024.0);
    let partitions = (wanted_partitions.trunc() as u64)
        .max(1)
        .next_power_of_two() as i64;
    let partition_mem = BLCKSZ + BLCKSZ * partitions as f64;
    let mem_limit = if HASH_MEM > 4.0 * partition_mem {
        HASH_MEM - partition_mem
    } else {
        HASH_MEM * 0.75
    };
    let groups_limit = if mem_limit > entry {
        (mem_limit / entry).floor()
    } else {
        1.0
    };
    (mem_limit, groups_limit, partitions)
}

/// A Sort of `input`; `limit` is the LIMIT above it (a bounded heap sort when small).
pub fn sort(input: &Cost, limit: Option<f64>) -> Cost {
    let input_bytes = relation_byte_size(input.rows, input.width);
    let tuples = input.rows.max(2.0);
    let comparison_cost = 2.0 * CPU_OPERATOR_COST;
    let (output_tuples, output_bytes) = match limit {
        Some(l) if l > 0.0 && l < tuples => (l, relation_byte_size(l, input.width)),
        _ => (tuples, input_bytes),
    };
    let mut startup = if output_bytes > WORK_MEM {
        let npages = (input_bytes / BLCKSZ).ceil();
        let nruns = input_bytes / WORK_MEM;
        let merge_order = (WORK_MEM / (2.0 * BLCKSZ + 32.0 * BLCKSZ))
            .floor()
            .clamp(6.0, 500.0);
        let log_runs = if nruns > merge_order {
            (nruns.ln() / merge_order.ln()).ceil()
        } else {
            1.0
        };
        let page_accesses = 2.0 * npages * log_runs;
        comparison_cost * tuples * log2(tuples)
            + page_accesses * (SEQ_PAGE_COST * 0.75 + RANDOM_PAGE_COST * 0.25)
    } else if tuples > 2.0 * output_tuples || input_bytes > WORK_MEM {
        comparison_cost * tuples * log2(2.0 * output_tuples)
    } else {
        comparison_cost * tuples * log2(tuples)
    };
    let run = CPU_OPERATOR_COST * tuples;
    startup += input.total;
    Cost::new(startup, startup + run, input.rows, input.width)
}

/// A Limit above `input` skipping `offset` rows and returning at most `count`.
pub fn limit(input: &Cost, offset: Option<f64>, count: Option<f64>) -> Cost {
    let mut out = *input;
    if let Some(offset) = offset.filter(|o| *o != 0.0) {
        let offset_rows = offset.min(out.rows);
        if input.rows > 0.0 {
            out.startup += (input.total - input.startup) * offset_rows / input.rows;
        }
        out.rows = (out.rows - offset_rows).max(1.0);
    }
    if let Some(count) = count {
        let count_rows = count.max(1.0).min(out.rows);
        if input.rows > 0.0 {
            out.total = out.startup + (input.total - input.startup) * count_rows / input.rows;
        }
        out.rows = count_rows.max(1.0);
    }
    out
}

/// A Materialize node over `input`: (its cost, the cost of rescanning it).
pub fn material(input: &Cost) -> (Cost, Cost) {
    let bytes = relation_byte_size(input.rows, input.width);
    let mut run = input.total - input.startup;
    run += 2.0 * CPU_OPERATOR_COST * input.rows;
    let mut rescan = CPU_OPERATOR_COST * input.rows;
    if bytes > WORK_MEM {
        let pages = (bytes / BLCKSZ).ceil();
        run += SEQ_PAGE_COST * pages;
        rescan += SEQ_PAGE_COST * pages;
    }
    let cost = Cost::new(input.startup, input.startup + run, input.rows, input.width);
    (cost, Cost::new(0.0, rescan, input.rows, input.width))
}

/// A nested loop that scans the inner side once per outer row (`inner_rescan` costs the later
/// scans); `quals` are checked for every pair.
pub fn nested_loop(
    outer: &Cost,
    inner: &Cost,
    inner_rescan: &Cost,
    quals: QualCost,
    rows: f64,
    target: QualCost,
    width: i64,
) -> Cost {
    let mut startup = outer.startup + inner.startup;
    let mut run = outer.total - outer.startup;
    if outer.rows > 1.0 {
        run += (outer.rows - 1.0) * inner_rescan.startup;
    }
    let inner_run = inner.total - inner.startup;
    let inner_rescan_run = inner_rescan.total - inner_rescan.startup;
    run += inner_run;
    if outer.rows > 1.0 {
        run += (outer.rows - 1.0) * inner_rescan_run;
    }
    let pairs = outer.rows.max(1.0) * inner.rows.max(1.0);
    startup += quals.startup;
    run += (CPU_TUPLE_COST + quals.per_tuple) * pairs;
    startup += target.startup;
    run += target.per_tuple * rows;
    Cost::new(startup, startup + run, rows, width)
}

/// What a hash join knows of one hash key on the inner side.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct HashKey {
    /// Distinct values of the key in its relation.
    pub ndistinct: f64,
    /// Whether `ndistinct` is the default guess.
    pub is_default: bool,
    /// Rows of the key's relation after its filters, and before.
    pub rel_rows: f64,
    pub rel_tuples: f64,
}

/// A hash join of `outer` probing a hash table of `inner`.
#[derive(Clone, Debug)]
pub struct HashJoin {
    pub inner_keys: Vec<HashKey>,
    /// The hash clauses' evaluation cost.
    pub hash_quals: QualCost,
    /// Other join conditions checked on hash matches.
    pub other_quals: QualCost,
    /// The join selectivity of the hash clauses.
    pub hash_selectivity: f64,
    /// The inner side has at most one match per outer row, with these semi-join factors:
    /// (fraction of outer rows that match, matches per matching row).
    pub inner_unique: Option<(f64, f64)>,
    pub rows: f64,
    pub target: QualCost,
    pub width: i64,
}

/// initial_cost_hashjoin and final_cost_hashjoin.
pub fn hash_join(outer: &Cost, inner: &Cost, j: &HashJoin) -> Cost {
    let clauses = j.inner_keys.len().max(1) as f64;
    let mut startup = outer.startup;
    let mut run = outer.total - outer.startup;
    startup += inner.total;
    startup += (CPU_OPERATOR_COST * clauses + CPU_TUPLE_COST) * inner.rows;
    run += CPU_OPERATOR_COST * clauses * outer.rows;
    let (buckets, batches) = hash_table_size(inner.rows, inner.width);
    if batches > 1.0 {
        let outer_pages = page_size(outer.rows, outer.width);
        let inner_pages = page_size(inner.rows, inner.width);
        startup += SEQ_PAGE_COST * inner_pages;
        run += SEQ_PAGE_COST * (inner_pages + 2.0 * outer_pages);
    }
    let virtual_buckets = buckets * batches;
    let bucket_size = j
        .inner_keys
        .iter()
        .map(|k| bucket_size(k, virtual_buckets))
        .fold(1.0, f64::min);
    let join_tuples = match j.inner_unique {
        Some((match_frac, match_count)) => {
            let matched = (outer.rows * match_frac).round_ties_even();
            let scan_frac = 2.0 / (match_count + 1.0);
            startup += j.hash_quals.startup;
            run += j.hash_quals.per_tuple
                * matched
                * clamp_row_est(inner.rows * bucket_size * scan_frac)
                * 0.5;
            run += j.hash_quals.per_tuple
                * (outer.rows - matched)
                * clamp_row_est(inner.rows / virtual_buckets)
                * 0.05;
            matched
        }
        None => {
            startup += j.hash_quals.startup;
            run +=
                j.hash_quals.per_tuple * outer.rows * clamp_row_est(inner.rows * bucket_size) * 0.5;
            clamp_row_est(j.hash_selectivity * outer.rows * inner.rows)
        }
    };
    startup += j.other_quals.startup;
    run += (CPU_TUPLE_COST + j.other_quals.per_tuple) * join_tuples;
    startup += j.target.startup;
    run += j.target.per_tuple * j.rows;
    Cost::new(startup, startup + run, j.rows, j.width)
}

/// PostgreSQL's charge for a switched-off plan type (`enable_* = off`): such a plan stays
/// possible, only dearer than any other.
pub const DISABLE_COST: f64 = 1.0e10;

/// A merge join of two inputs ordered on the merge keys (`outer` and `inner` as they come,
/// sorted or not).
#[derive(Clone, Debug)]
pub struct MergeJoin {
    /// The merge clauses' evaluation cost, and the other join conditions'.
    pub merge_quals: QualCost,
    pub other_quals: QualCost,
    /// Pairs the merge clauses alone let through.
    pub merged_rows: f64,
    /// At most one inner match per outer row and no other condition: no inner row is reread.
    pub skip_mark_restore: bool,
    /// The inner input is sorted here (else an index scan, which supports mark and restore).
    pub inner_sorted: bool,
    pub rows: f64,
    pub target: QualCost,
    pub width: i64,
}

/// initial_cost_mergejoin and final_cost_mergejoin, without range statistics (the merge
/// reads both inputs whole): the cost, and whether the inner input is materialized.
pub fn merge_join(outer: &Cost, inner: &Cost, j: &MergeJoin) -> (Cost, bool) {
    let inner_path_rows = if inner.rows <= 0.0 { 1.0 } else { inner.rows };
    let inner_rows = clamp_row_est(inner_path_rows);
    let outer_rows = clamp_row_est(outer.rows.max(1.0));
    let mut startup = outer.startup + inner.startup;
    let mut run = outer.total - outer.startup;
    let inner_run = inner.total - inner.startup;
    // Rows of an inner run of equal keys are read again for each outer row of the run.
    let rescanned = if j.skip_mark_restore {
        0.0
    } else {
        (j.merged_rows - inner_path_rows).max(0.0)
    };
    let rescan_ratio = 1.0 + rescanned / inner_rows;
    let bare = inner_run * rescan_ratio;
    let materialized = inner_run + CPU_OPERATOR_COST * inner_rows * rescan_ratio;
    let materialize = !j.skip_mark_restore
        && (materialized < bare
            || (j.inner_sorted && relation_byte_size(inner_path_rows, inner.width) > WORK_MEM));
    run += if materialize { materialized } else { bare };
    startup += j.merge_quals.startup + j.other_quals.startup;
    run += j.merge_quals.per_tuple * (outer_rows + inner_rows * rescan_ratio);
    run += (CPU_TUPLE_COST + j.other_quals.per_tuple) * j.merged_rows;
    startup += j.target.startup;
    run += j.target.per_tuple * j.rows;
    (
        Cost::new(startup, startup + run, j.rows, j.width),
        materialize,
    )
}

/// estimate_hash_bucket_stats: the fraction of the inner rows in a probed bucket.
fn bucket_size(key: &HashKey, buckets: f64) -> f64 {
    if key.is_default {
        return 0.1;
    }
    let mut ndistinct = key.ndistinct;
    if key.rel_tuples > 0.0 {
        ndistinct *= key.rel_rows / key.rel_tuples;
        ndistinct = clamp_row_est(ndistinct);
    }
    let fraction = if ndistinct > buckets {
        1.0 / buckets
    } else {
        1.0 / ndistinct
    };
    fraction.clamp(1.0e-6, 1.0)
}

fn next_power_of_two(n: f64) -> f64 {
    let mut p = 1.0;
    while p < n {
        p *= 2.0;
    }
    p
}

fn prev_power_of_two(n: f64) -> f64 {
    let mut p = 1.0;
    while p * 2.0 <= n {
        p *= 2.0;
    }
    p
}

/// ExecChooseHashTableSize: (buckets, batches) for hashing `rows` rows of `width`.
fn hash_table_size(rows: f64, width: i64) -> (f64, f64) {
    let rows = if rows <= 0.0 { 1000.0 } else { rows };
    // HashJoinTupleData and the minimal tuple header precede each tuple.
    let tuple_size = (16 + 16 + maxalign(width)) as f64;
    let inner_bytes = rows * tuple_size;
    let mut table_bytes = HASH_MEM;
    // Room kept for skew buckets (2% of hash_mem).
    let bytes_per_mcv = tuple_size + 8.0 * 8.0 + 4.0 + 16.0;
    let skew_mcvs = ((table_bytes / bytes_per_mcv).floor() * 2.0 / 100.0).floor();
    table_bytes -= skew_mcvs * bytes_per_mcv;
    let max_alloc_pointers = (1024.0 * 1024.0 * 1024.0 - 1.0) / 8.0;
    let max_pointers =
        prev_power_of_two((table_bytes / 8.0).floor().min(max_alloc_pointers)).min(1073741824.0);
    let buckets = rows.ceil().min(max_pointers).max(1024.0);
    let buckets = next_power_of_two(buckets);
    if inner_bytes + 8.0 * buckets <= table_bytes {
        return (buckets, 1.0);
    }
    let bucket_size = tuple_size + 8.0;
    let buckets = if table_bytes <= bucket_size {
        1.0
    } else {
        next_power_of_two((table_bytes / bucket_size).floor())
    };
    let buckets = next_power_of_two(buckets.min(max_pointers));
    let batches = (inner_bytes / (table_bytes - buckets * 8.0))
        .ceil()
        .min(max_pointers);
    (buckets, next_power_of_two(batches.max(2.0)))
}

/// A Hash node: it builds its table before returning anything.
pub fn hash(inner: &Cost) -> Cost {
    Cost::new(inner.total, inner.total, inner.rows, inner.width)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(c: Cost) -> String {
        c.text()
    }

    #[test]
    fn a_never_analyzed_table_is_ten_pages_of_rows_as_wide_as_its_types() {
        // citus_demo: int4, text, text, int4, timestamp = 80 bytes a row, 75 a page.
        assert_eq!(table_size(80, 1.0), (10.0, 750.0));
        assert_eq!(table_size(36, 0.0), (10.0, 1270.0));
        assert_eq!(table_size(48, 0.0), (10.0, 1070.0));
        // More rows than ten pages hold make the table longer.
        assert_eq!(table_size(80, 1000.0), (14.0, 1050.0));
    }

    #[test]
    fn seq_scans_cost_their_pages_and_rows_and_their_filters() {
        let all = seq_scan(
            10.0,
            750.0,
            750.0,
            QualCost::default(),
            QualCost::default(),
            0,
        );
        assert_eq!(text(all), "(cost=0.00..17.50 rows=750 width=0)");
        let rows = clamp_row_est(750.0 * 0.005);
        let filtered = seq_scan(
            10.0,
            750.0,
            rows,
            QualCost::operators(1.0),
            QualCost::default(),
            80,
        );
        assert_eq!(text(filtered), "(cost=0.00..19.38 rows=4 width=80)");
    }

    #[test]
    fn aggregates_add_transition_and_grouping_costs() {
        let scan = Cost::new(0.0, 17.5, 750.0, 0);
        let count = AggCosts {
            trans: QualCost::operators(1.0),
            num_trans: 1,
            ..Default::default()
        };
        let plain = agg(
            &scan,
            AggStrategy::Plain,
            &count,
            None,
            QualCost::default(),
            8,
        );
        assert_eq!(text(plain), "(cost=19.38..19.39 rows=1 width=8)");
        let scan = Cost::new(0.0, 17.5, 750.0, 32);
        let hashed = agg(
            &scan,
            AggStrategy::Hashed {
                group_cols: 1,
                groups: 200.0,
            },
            &count,
            None,
            QualCost::default(),
            40,
        );
        assert_eq!(text(hashed), "(cost=21.25..23.25 rows=200 width=40)");
        // The coordinator's sum over 100000 remote rows, cast back to bigint through text.
        let remote = Cost::new(0.0, 0.0, 100000.0, 8);
        let sum = AggCosts {
            trans: QualCost::operators(1.0),
            fin: QualCost::operators(1.0),
            num_trans: 1,
            transition_space: 48.0,
        };
        let combine = agg(
            &remote,
            AggStrategy::Plain,
            &sum,
            None,
            QualCost::operators(2.0),
            8,
        );
        assert_eq!(text(combine), "(cost=250.00..250.02 rows=1 width=8)");
    }

    #[test]
    fn a_sort_larger_than_work_mem_is_an_external_sort() {
        let remote = Cost::new(0.0, 0.0, 100000.0, 44);
        assert_eq!(
            text(sort(&remote, None)),
            "(cost=11381.32..11631.32 rows=100000 width=44)"
        );
        let remote = Cost::new(0.0, 0.0, 100000.0, 40);
        assert_eq!(
            text(sort(&remote, None)),
            "(cost=11041.82..11291.82 rows=100000 width=40)"
        );
        // A small sort is a quicksort; under a LIMIT it keeps a bounded heap.
        let scan = Cost::new(0.0, 17.5, 750.0, 80);
        assert_eq!(
            text(sort(&scan, None)),
            "(cost=53.32..55.19 rows=750 width=80)"
        );
        let top = sort(&scan, Some(10.0));
        assert_eq!(text(top), "(cost=33.71..35.58 rows=750 width=80)");
        assert_eq!(
            text(limit(&top, None, Some(10.0))),
            "(cost=33.71..33.73 rows=10 width=80)"
        );
    }

    #[test]
    fn a_hash_join_probing_a_unique_key_stops_at_the_first_match() {
        let orders = Cost::new(0.0, 20.70, 1070.0, 8);
        let users = Cost::new(0.0, 22.70, 1270.0, 36);
        let key = HashKey {
            ndistinct: 1270.0,
            is_default: false,
            rel_rows: 1270.0,
            rel_tuples: 1270.0,
        };
        let selectivity = 1.0 / 1270.0;
        let join = HashJoin {
            inner_keys: vec![key],
            hash_quals: QualCost::operators(1.0),
            other_quals: QualCost::default(),
            hash_selectivity: selectivity,
            inner_unique: Some((selectivity, selectivity * 1270.0 / selectivity)),
            rows: 1270.0,
            target: QualCost::default(),
            width: 40,
        };
        assert_eq!(
            text(hash_join(&orders, &hash(&users), &join)),
            "(cost=38.58..62.09 rows=1270 width=40)"
        );
        assert_eq!(text(hash(&users)), "(cost=22.70..22.70 rows=1270 width=36)");
    }

    #[test]
    fn a_unique_index_lookup_reads_one_index_page_and_one_heap_page() {
        let ix = IndexScan {
            rel_pages: 10.0,
            rel_tuples: 1270.0,
            index_pages: 1.0,
            tree_height: 0.0,
            selectivity: 1.0 / 1270.0,
            index_tuples: 1.0,
            index_quals: 1,
        };
        let c = index_scan(&ix, 1.0, QualCost::default(), QualCost::default(), 32);
        assert_eq!(text(c), "(cost=0.15..8.17 rows=1 width=32)");
    }

    #[test]
    fn hash_tables_grow_batches_past_hash_mem() {
        assert_eq!(hash_table_size(1270.0, 36), (2048.0, 1.0));
        let (_, batches) = hash_table_size(1_000_000.0, 100);
        assert!(batches > 1.0);
    }
}
