//! The search, as a pure function of the runs made so far: replaying it on a
//! [`Cache`] either finishes, or stops at the runs it needs next (a
//! *round*). The driver makes those runs (on this machine, or sliced across
//! shards) and replays again. Whoever made a run, the replay sees the same
//! figures, so the search takes the same path on any number of threads or
//! machines.
//!
//! The structured search, for each combination of the free (non-monotone)
//! variables in grid order:
//! 1. judges the combination's safest option (every monotone variable at its
//!    last value); when that breaks a constraint, nothing in the combination
//!    can meet it;
//! 2. bisects each monotone variable in turn for its lowest value that meets
//!    every constraint, the others held where they are.
//!
//! Judging an option is successive halving: its runs are made for
//! `min_replications`, then twice as many, up to `replications`. It stops
//! early when a constraint is broken beyond its 95 % confidence interval
//! under some condition, or when it costs more than the best option so far
//! beyond the 95 % interval of their paired difference (the same seeds, so
//! the difference is the options' doing). An option that went the distance
//! meets the constraints when every condition's mean does.

use super::spec::{OptimizeSpec, SearchKind};
use crate::stats::{estimate, Estimate};
use crate::sweep::RunRecord;
use std::collections::BTreeMap;

/// A run of the search: (option, condition, replication).
pub type RunKey = (usize, usize, u32);

/// The runs made so far, by key.
pub type Cache = BTreeMap<RunKey, RunRecord>;

/// What judging an option concluded.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Meets every constraint under every condition, at full replications.
    Feasible,
    /// Breaks a constraint (clearly, or in the mean at full replications).
    Infeasible,
    /// Costs clearly more than the best option known when it was judged.
    Dearer,
}

impl Verdict {
    /// The word in `explored.csv`.
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Feasible => "feasible",
            Verdict::Infeasible => "infeasible",
            Verdict::Dearer => "dearer",
        }
    }
}

/// One option as the search last judged it.
#[derive(Debug, Clone)]
pub struct Judged {
    /// The option's index in the grid.
    pub option: usize,
    /// When it was first judged (0, 1, …).
    pub step: usize,
    /// Replications it was judged on.
    pub replications: u32,
    /// The verdict.
    pub verdict: Verdict,
    /// Its cost per replication, conditions weighted.
    pub costs: Vec<f64>,
    /// Mean and interval of `costs`.
    pub cost: Estimate,
    /// Per constraint: each condition's mean and 95 % half-width, in
    /// condition order (none where no run had the figure).
    pub constraint_means: Vec<Vec<Option<Estimate>>>,
}

/// Where a replay of the search ended.
#[derive(Debug)]
pub enum Replay {
    /// It needs these runs next.
    Needs(Vec<RunKey>),
    /// It finished, or the budget would not pay for the next round.
    Done {
        /// Whether the budget stopped it.
        budget_exhausted: bool,
    },
}

/// The search's state after a replay.
#[derive(Debug)]
pub struct Search {
    /// Every option judged, by option index.
    pub judged: BTreeMap<usize, Judged>,
    /// How the replay ended.
    pub replay: Replay,
    /// The runs the judgements read.
    pub runs_read: usize,
}

impl Search {
    /// The cheapest feasible option, ties to the lower index.
    pub fn best(&self) -> Option<&Judged> {
        self.judged
            .values()
            .filter(|j| j.verdict == Verdict::Feasible)
            .min_by(|a, b| a.cost.mean.total_cmp(&b.cost.mean).then(a.option.cmp(&b.option)))
    }
}

/// Why a judgement could not finish: the runs it is waiting for.
struct Blocked(Vec<RunKey>);

struct Replayer<'a> {
    spec: &'a OptimizeSpec,
    cache: &'a Cache,
    weights: Vec<f64>,
    judged: BTreeMap<usize, Judged>,
    runs_read: usize,
}

/// Replays the search over the runs in `cache`.
pub fn replay(spec: &OptimizeSpec, cache: &Cache) -> Search {
    let total: f64 = spec.sweep.conditions.iter().map(|c| c.weight).sum();
    let weights = spec.sweep.conditions.iter().map(|c| c.weight / total).collect();
    let mut replayer = Replayer { spec, cache, weights, judged: BTreeMap::new(), runs_read: 0 };
    let mut needs = Vec::new();
    match spec.search {
        SearchKind::Grid => {
            for option in 0..spec.options() {
                if let Err(Blocked(keys)) = replayer.judge(option, spec.replications, None) {
                    needs.extend(keys);
                }
            }
        }
        SearchKind::Structured => {
            let mut incumbent: Option<Judged> = None;
            for combination in replayer.free_combinations() {
                match replayer.search_combination(&combination, incumbent.as_ref()) {
                    Err(Blocked(keys)) => needs.extend(keys),
                    Ok(Some(found)) => {
                        let better = incumbent.as_ref().is_none_or(|best| {
                            found.cost.mean.total_cmp(&best.cost.mean).then(found.option.cmp(&best.option)).is_lt()
                        });
                        if better {
                            incumbent = Some(found);
                        }
                    }
                    Ok(None) => {}
                }
            }
        }
    }
    let Replayer { judged, runs_read, .. } = replayer;
    let made = cache.len() as u64;
    let replay = if needs.is_empty() {
        Replay::Done { budget_exhausted: false }
    } else if made + needs.len() as u64 > spec.budget_runs {
        Replay::Done { budget_exhausted: true }
    } else {
        Replay::Needs(needs)
    };
    Search { judged, replay, runs_read }
}

impl Replayer<'_> {
    fn radices(&self) -> Vec<usize> {
        self.spec.sweep.settings.iter().map(|s| s.values.len()).collect()
    }

    /// The option index of a choice per variable (the last varies fastest).
    fn option_of(&self, choices: &[usize]) -> usize {
        choices.iter().zip(self.radices()).fold(0, |index, (&c, radix)| index * radix + c)
    }

    /// Every combination of the free variables' values, in grid order, each
    /// as a full choice vector with the monotone variables at their last value.
    fn free_combinations(&self) -> Vec<Vec<usize>> {
        let radices = self.radices();
        let mut combinations = vec![Vec::new()];
        for (v, &radix) in radices.iter().enumerate() {
            let values: Vec<usize> = if self.spec.monotone[v] { vec![radix - 1] } else { (0..radix).collect() };
            combinations = combinations
                .into_iter()
                .flat_map(|prefix| {
                    values.iter().map(move |&c| {
                        let mut next = prefix.clone();
                        next.push(c);
                        next
                    })
                })
                .collect();
        }
        combinations
    }

    /// Steps 1 and 2 of the module doc for one combination: its cheapest
    /// option that meets the constraints, if any can beat `incumbent`.
    fn search_combination(&mut self, safest: &[usize], incumbent: Option<&Judged>) -> Result<Option<Judged>, Blocked> {
        let mut current = safest.to_vec();
        let top = self.judge(self.option_of(&current), self.spec.replications, incumbent)?;
        if top.verdict == Verdict::Infeasible {
            return Ok(None);
        }
        let mut current_feasible = top.verdict == Verdict::Feasible;
        for v in 0..current.len() {
            if !self.spec.monotone[v] || current[v] == 0 {
                continue;
            }
            // The option at current[v] is feasible or dearer; find the
            // lowest feasible value below it.
            let (mut lo, mut hi) = (0_isize, current[v] as isize - 1);
            let mut lowest = None;
            while lo <= hi {
                let mid = (lo + hi) / 2;
                let mut probe = current.clone();
                probe[v] = mid as usize;
                match self.judge(self.option_of(&probe), self.spec.replications, incumbent)?.verdict {
                    Verdict::Feasible => {
                        lowest = Some(mid as usize);
                        hi = mid - 1;
                    }
                    Verdict::Dearer => hi = mid - 1,
                    Verdict::Infeasible => lo = mid + 1,
                }
            }
            match lowest {
                Some(value) => {
                    current[v] = value;
                    current_feasible = true;
                }
                // Nothing lower meets the constraints and beats the incumbent.
                None if !current_feasible => return Ok(None),
                None => {}
            }
        }
        let found = self.judge(self.option_of(&current), self.spec.replications, incumbent)?;
        Ok((found.verdict == Verdict::Feasible).then_some(found))
    }

    /// Judges `option` by successive halving up to `replications`, pruning
    /// against `incumbent` (none: never pruned on cost).
    fn judge(&mut self, option: usize, replications: u32, incumbent: Option<&Judged>) -> Result<Judged, Blocked> {
        if let Some(done) = self.judged.get(&option) {
            return Ok(done.clone());
        }
        let spec = self.spec;
        let conditions = spec.sweep.conditions.len();
        let mut rung = match spec.search {
            SearchKind::Grid => replications,
            SearchKind::Structured => spec.min_replications.min(replications),
        };
        loop {
            let missing: Vec<RunKey> = (0..conditions)
                .flat_map(|c| (0..rung).map(move |r| (option, c, r)))
                .filter(|key| !self.cache.contains_key(key))
                .collect();
            if !missing.is_empty() {
                return Err(Blocked(missing));
            }
            let judged = self.measure(option, rung, incumbent);
            let settled = judged.verdict != Verdict::Feasible || rung == replications;
            if settled {
                self.runs_read += conditions * rung as usize;
                let judged = Judged { step: self.judged.len(), ..judged };
                self.judged.insert(option, judged.clone());
                return Ok(judged);
            }
            rung = (rung * 2).min(replications);
        }
    }

    /// The figures of `option` over its first `rung` replications, and what
    /// they say. `Feasible` here means "not ruled out" below full replications.
    fn measure(&self, option: usize, rung: u32, incumbent: Option<&Judged>) -> Judged {
        let spec = self.spec;
        let conditions = spec.sweep.conditions.len();
        let run = |c: usize, r: u32| &self.cache[&(option, c, r)];
        let costs: Vec<f64> =
            (0..rung).map(|r| (0..conditions).map(|c| self.weights[c] * run(c, r).cost_usd).sum()).collect();
        let cost = estimate(&costs).unwrap_or(Estimate { mean: 0.0, ci95: 0.0, samples: 0 });
        let constraint_means: Vec<Vec<Option<Estimate>>> = spec
            .constraints
            .iter()
            .map(|k| {
                (0..conditions)
                    .map(|c| {
                        let values: Vec<f64> = (0..rung).filter_map(|r| k.metric.value(run(c, r))).collect();
                        estimate(&values)
                    })
                    .collect()
            })
            .collect();
        let early = rung >= 2 && rung < spec.replications;
        let full = rung == spec.replications;
        let mut verdict = Verdict::Feasible;
        for (k, means) in spec.constraints.iter().zip(&constraint_means) {
            for mean in means {
                // A run without the figure (no task placed for a wait) cannot
                // show the constraint is met.
                let broken = match mean {
                    None => full,
                    Some(e) if full => !k.holds(e.mean),
                    Some(e) => early && e.samples >= 2 && k.clearly_broken(e.mean, e.ci95),
                };
                if broken {
                    verdict = Verdict::Infeasible;
                }
            }
        }
        if verdict == Verdict::Feasible && rung >= 2 {
            if let Some(best) = incumbent {
                let differences: Vec<f64> = costs.iter().zip(&best.costs).map(|(a, b)| a - b).collect();
                if estimate(&differences).is_some_and(|d| d.mean - d.ci95 > 0.0) {
                    verdict = Verdict::Dearer;
                }
            }
        }
        Judged { option, step: 0, replications: rung, verdict, costs, cost, constraint_means }
    }
}
