//! ecs-sim: a discrete-event simulator of Amazon ECS clusters for capacity
//! planning. It replays workloads against virtual EC2 and Fargate fleets
//! under ECS's own placement and lifecycle rules, and reports cost,
//! utilisation and task waits.
//!
//! Modules, one domain each: [`engine`] (time, event queue, RNG streams),
//! [`scenario`] (TOML in, validated model out), [`model`] (runtime
//! vocabulary: launch types, ports, capacity providers), [`catalog`]
//! (instance types and Fargate sizes), [`cluster`] (instances and their state),
//! [`placement`] (strategies, constraints, query language), [`workload`]
//! (task sources), [`traces`] (public trace formats), [`simulation`] (the event loop), [`billing`],
//! [`metrics`], [`report`] (atomic output files), [`sweep`] (variants and
//! replications in parallel), [`stats`], [`charts`], [`check`] (regression
//! checks against baselines) and [`cli`].

#![warn(missing_docs)]

pub mod billing;
pub mod catalog;
pub mod check;
pub mod cli;
pub mod cluster;
pub mod engine;
pub mod error;
pub mod metrics;
pub mod model;
pub mod output;
pub mod placement;
pub mod record;
pub mod scaling;
pub mod scenario;
pub mod scheduler;
pub mod simulation;
pub mod stats;
pub mod sweep;
pub mod traces;
pub mod workload;
