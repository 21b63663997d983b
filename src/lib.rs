//! ecs-sim: a discrete-event simulator of Amazon ECS clusters for capacity
//! planning. It replays workloads against virtual EC2 and Fargate fleets
//! under ECS's own placement and lifecycle rules, and reports cost,
//! utilisation, availability and task waits.
//!
//! Data flows one way (docs/architecture.md):
//! [`scenario`] (TOML read raw, then validated) → [`simulation`] (the world
//! and its event loop) → [`record`] (typed rows and the in-memory
//! [`record::RunResult`]) → [`output`] (CSV files and charts). [`sweep`] runs
//! many simulations in parallel and compares their results in memory (on
//! one machine or in shards merged later); [`optimize`] searches a sweep's
//! options for the cheapest that meets constraints;
//! [`cli`] is the `ecs-sim` command over all of it.
//!
//! The public modules are what a program or a test drives: the layers above,
//! plus the vocabulary they speak ([`engine`] time and queue, [`error`],
//! [`model`], [`catalog`], [`cluster`], [`placement`], [`traces`],
//! [`commitments`] (Savings Plans and Reserved Instances over a usage ledger), and
//! [`interrupt`], how SIGINT and SIGTERM stop the work). The rest
//! (billing, metrics, scaling, the service scheduler's rules, statistics and
//! regression checks) is internal to the crate, and so is [`workload`] but for
//! its entry to the native trace reader.

pub(crate) mod aws_json;
pub(crate) mod billing;
pub mod catalog;
pub(crate) mod check;
pub mod cli;
pub mod cluster;
pub mod commitments;
pub(crate) mod digest;
pub mod engine;
pub mod error;
pub mod import;
pub mod interrupt;
pub(crate) mod metrics;
pub mod model;
pub mod optimize;
pub mod output;
pub mod placement;
pub mod prices;
pub mod record;
pub(crate) mod scaling;
pub mod scenario;
pub(crate) mod scheduler;
pub mod schema;
pub mod simulation;
pub(crate) mod stats;
pub mod sweep;
pub mod traces;
pub mod workload;
