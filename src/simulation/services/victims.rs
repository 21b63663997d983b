//! Choosing the tasks a scale-in stops, as ECS does: the candidate with the
//! highest key of the service's strategy chain (its zone's task count for a
//! zone spread, its instance's for an instance spread, the instance's free
//! field for binpack), at random among equals, one victim at a time.
//!
//! Candidates whose keys always move together share a class: for a zone
//! spread the class holds the zone itself (one count for all its
//! candidates), for an instance spread the instance's current count, for
//! binpack the fixed value. A victim changes one zone's count (no class
//! moves) and one instance's count (only that instance's candidates move),
//! so each choice compares classes, not candidates. Ties are taken in the
//! order of the candidate vector (which `swap_remove` reorders); positions
//! are grouped in blocks that count their members per class, so the nth tie
//! is found by skipping whole blocks.

use crate::engine::SimRng;
use crate::placement::Strategy;
use crate::simulation::task::TaskRef;
use rand::Rng;
use rustc_hash::FxHashMap;

/// Candidate positions per block.
const BLOCK: usize = 64;

/// One scale-in candidate, looked up once: its zone, its instance (as a
/// dense index) and its binpack keys.
#[derive(Debug, Clone)]
pub(super) struct Candidate {
    pub task: TaskRef,
    pub zone: Option<usize>,
    pub instance: Option<usize>,
    /// The level's key when it does not change as victims are chosen (binpack), else 0.
    pub fixed: [i64; 2],
}

/// What one chain level's key is made of for a class of candidates.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
enum Part {
    /// The zone's task count (a zone spread); none counts 0.
    Zone(Option<usize>),
    /// A key value as it stands (an instance count, a binpack value, 0).
    Value(i64),
}

impl Part {
    fn key(self, zones: &[i64]) -> i64 {
        match self {
            Part::Zone(zone) => zone.map_or(0, |z| zones[z]),
            Part::Value(value) => value,
        }
    }
}

/// Classes of candidates and how many of each every block of positions holds.
struct Classes {
    ids: FxHashMap<[Part; 2], usize>,
    parts: Vec<[Part; 2]>,
    sizes: Vec<u32>,
    /// Per class, members per block of positions.
    per_block: Vec<Vec<u32>>,
    tied: Vec<bool>,
    blocks: usize,
}

impl Classes {
    fn id(&mut self, parts: [Part; 2]) -> usize {
        if let Some(&id) = self.ids.get(&parts) {
            return id;
        }
        self.ids.insert(parts, self.parts.len());
        self.parts.push(parts);
        self.sizes.push(0);
        self.per_block.push(vec![0; self.blocks]);
        self.tied.push(false);
        self.parts.len() - 1
    }

    fn add(&mut self, class: usize, block: usize) {
        self.sizes[class] += 1;
        self.per_block[class][block] += 1;
    }

    fn remove(&mut self, class: usize, block: usize) {
        self.sizes[class] -= 1;
        self.per_block[class][block] -= 1;
    }
}

/// Chooses `count` victims: each time the candidate with the highest key,
/// the nth of the ties in candidate order for a random n, removed by
/// `swap_remove`; then its zone and instance count one task fewer.
/// `zones` and `instances` hold a count for every candidate's zone and instance.
pub(super) fn choose_victims(
    flat: Vec<Candidate>,
    zones: Vec<i64>,
    instances: Vec<i64>,
    levels: &[Strategy],
    count: u32,
    rng: &mut SimRng,
) -> Vec<TaskRef> {
    choose_in_blocks(flat, zones, instances, levels, count, rng, BLOCK)
}

/// [`choose_victims`] with `block` positions per block.
fn choose_in_blocks(
    flat: Vec<Candidate>,
    mut zones: Vec<i64>,
    mut instances: Vec<i64>,
    levels: &[Strategy],
    count: u32,
    rng: &mut SimRng,
    block: usize,
) -> Vec<TaskRef> {
    let part = |c: &Candidate, l: usize, instances: &[i64]| match levels.get(l) {
        Some(Strategy::SpreadInstance) => Part::Value(c.instance.map_or(0, |i| instances[i])),
        Some(Strategy::SpreadAttribute(_)) => Part::Zone(c.zone),
        _ => Part::Value(c.fixed[l]),
    };
    let by_instance = levels.iter().take(2).any(|l| matches!(l, Strategy::SpreadInstance));
    let mut classes = Classes {
        ids: FxHashMap::default(),
        parts: Vec::new(),
        sizes: Vec::new(),
        per_block: Vec::new(),
        tied: Vec::new(),
        blocks: flat.len().div_ceil(block).max(1),
    };
    // Positions hold (candidate, class); candidates stay where they are in `flat`.
    let mut slots: Vec<(usize, usize)> = Vec::with_capacity(flat.len());
    let mut position: Vec<usize> = (0..flat.len()).collect();
    let mut on_instance: Vec<Vec<usize>> = vec![Vec::new(); instances.len()];
    for (i, c) in flat.iter().enumerate() {
        let class = classes.id([part(c, 0, &instances), part(c, 1, &instances)]);
        classes.add(class, i / block);
        slots.push((i, class));
        if let Some(instance) = c.instance {
            on_instance[instance].push(i);
        }
    }
    let mut victims = Vec::new();
    let mut tied = Vec::new();
    while (victims.len() as u32) < count && !slots.is_empty() {
        // The best key among the classes, and the classes that have it.
        let mut best = None;
        tied.clear();
        for (class, parts) in classes.parts.iter().enumerate() {
            if classes.sizes[class] == 0 {
                continue;
            }
            let key = (parts[0].key(&zones), parts[1].key(&zones));
            if best.is_none_or(|b| key > b) {
                best = Some(key);
                tied.clear();
            }
            if best == Some(key) {
                tied.push(class);
            }
        }
        let ties: usize = tied.iter().map(|&c| classes.sizes[c] as usize).sum();
        // A usize range, as the plain definition draws.
        let mut rest = rng.gen_range(0..ties);
        for &class in &tied {
            classes.tied[class] = true;
        }
        let mut chosen = 0;
        for b in 0..classes.blocks {
            let here: usize = tied.iter().map(|&c| classes.per_block[c][b] as usize).sum();
            if rest >= here {
                rest -= here;
                continue;
            }
            for (p, &(_, class)) in slots.iter().enumerate().skip(b * block) {
                if classes.tied[class] {
                    if rest == 0 {
                        chosen = p;
                        break;
                    }
                    rest -= 1;
                }
            }
            break;
        }
        for &class in &tied {
            classes.tied[class] = false;
        }
        let last = slots.len() - 1;
        let (victim, class) = slots[chosen];
        classes.remove(class, chosen / block);
        if chosen != last {
            let (moved, moved_class) = slots[last];
            classes.remove(moved_class, last / block);
            classes.add(moved_class, chosen / block);
            position[moved] = chosen;
        }
        slots.swap_remove(chosen);
        let victim_candidate = &flat[victim];
        if let Some(zone) = victim_candidate.zone {
            zones[zone] -= 1;
        }
        if let Some(instance) = victim_candidate.instance {
            instances[instance] -= 1;
            on_instance[instance].retain(|&c| c != victim);
            if by_instance {
                // The instance's other candidates have a new key.
                for &c in &on_instance[instance] {
                    let p = position[c];
                    let old = slots[p].1;
                    let new = classes.id([part(&flat[c], 0, &instances), part(&flat[c], 1, &instances)]);
                    if new != old {
                        classes.remove(old, p / block);
                        classes.add(new, p / block);
                        slots[p].1 = new;
                    }
                }
            }
        }
        victims.push(victim_candidate.task);
    }
    victims
}

/// The plain definition [`choose_victims`] is held to (the scheduler's
/// earlier code): counts in maps, every candidate's key recomputed for
/// every choice, ties gathered by index.
#[cfg(test)]
fn choose_victims_reference(
    mut candidates: Vec<Candidate>,
    zones: &[i64],
    instances: &[i64],
    levels: &[Strategy],
    count: u32,
    rng: &mut SimRng,
) -> Vec<TaskRef> {
    use std::collections::BTreeMap;
    let mut zone_counts: BTreeMap<usize, i64> = zones.iter().copied().enumerate().collect();
    let mut instance_counts: BTreeMap<usize, i64> = instances.iter().copied().enumerate().collect();
    let mut victims = Vec::new();
    while (victims.len() as u32) < count && !candidates.is_empty() {
        let level = |c: &Candidate, l: usize| match levels.get(l) {
            Some(Strategy::SpreadInstance) => c.instance.map_or(0, |i| instance_counts.get(&i).copied().unwrap_or(0)),
            Some(Strategy::SpreadAttribute(_)) => c.zone.map_or(0, |z| zone_counts.get(&z).copied().unwrap_or(0)),
            _ => c.fixed[l],
        };
        let keys: Vec<(i64, i64)> = candidates.iter().map(|c| (level(c, 0), level(c, 1))).collect();
        let best = keys.iter().copied().max().unwrap_or((0, 0));
        let ties: Vec<usize> = (0..candidates.len()).filter(|&i| keys[i] == best).collect();
        let chosen = ties[rng.gen_range(0..ties.len())];
        let victim = candidates.swap_remove(chosen);
        if let Some(zone) = victim.zone {
            *zone_counts.entry(zone).or_insert(0) -= 1;
        }
        if let Some(i) = victim.instance {
            *instance_counts.entry(i).or_insert(0) -= 1;
        }
        victims.push(victim.task);
    }
    victims
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::engine::rng_stream;
    use crate::placement::{BinpackField, Strategy as Level};
    use proptest::prelude::{prop_assert_eq, prop_oneof, proptest, Just, Strategy};

    fn level() -> impl Strategy<Value = Level> {
        prop_oneof![
            Just(Level::Random),
            Just(Level::Binpack(BinpackField::Cpu)),
            Just(Level::SpreadInstance),
            Just(Level::SpreadAttribute("attribute:ecs.availability-zone".into())),
        ]
    }

    proptest! {
        #[test]
        fn class_choice_matches_the_plain_one(
            levels in proptest::collection::vec(level(), 0..3),
            tasks in proptest::collection::vec((proptest::option::of(0_usize..3), proptest::option::of(0_usize..8), 0_i64..4, 0_i64..4), 0..40),
            zones in proptest::collection::vec(0_i64..20, 3),
            instances in proptest::collection::vec(0_i64..6, 8),
            count in 0_u32..45,
            seed in 0_u64..1000,
            block in 1_usize..9,
        ) {
            let flat: Vec<Candidate> = tasks
                .iter()
                .enumerate()
                .map(|(i, &(zone, instance, a, b))| Candidate {
                    task: TaskRef { slot: i as u32, generation: 0 },
                    zone,
                    instance,
                    fixed: [a, b],
                })
                .collect();
            let levels: Vec<Level> = levels.into_iter().take(2).collect();
            let fast = choose_in_blocks(flat.clone(), zones.clone(), instances.clone(), &levels, count, &mut rng_stream(seed, "t"), block);
            let plain = choose_victims_reference(flat, &zones, &instances, &levels, count, &mut rng_stream(seed, "t"));
            prop_assert_eq!(fast, plain);
        }
    }
}
