//! Runtime vocabulary: the plain ECS terms the cluster, placement, the
//! scenario and the simulation all speak (launch types, network modes, host
//! ports, capacity providers). Nothing here knows about scenario files; the
//! scenario reads its text into these types.

/// ECS's limit on placement constraints per task, task definition and
/// RunTask together.
pub const MAX_CONSTRAINTS: usize = 10;

/// Where a task runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum LaunchType {
    /// On the cluster's EC2 container instances.
    Ec2,
    /// On AWS Fargate.
    Fargate,
}

impl LaunchType {
    /// The name ECS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            LaunchType::Ec2 => "EC2",
            LaunchType::Fargate => "FARGATE",
        }
    }
}

/// EC2 purchase option.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Market {
    /// On-Demand.
    OnDemand,
    /// Spot, billed at a fraction of the On-Demand price.
    Spot,
}

/// How a task's containers reach the network.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum NetworkMode {
    /// Docker bridge: static host ports conflict, dynamic ones do not.
    Bridge,
    /// The host's network: every mapped port is a host port.
    Host,
    /// One ENI per task.
    Awsvpc,
    /// No networking.
    None,
}

impl NetworkMode {
    /// The name ECS uses.
    pub fn as_str(self) -> &'static str {
        match self {
            NetworkMode::Bridge => "bridge",
            NetworkMode::Host => "host",
            NetworkMode::Awsvpc => "awsvpc",
            NetworkMode::None => "none",
        }
    }
}

/// A transport protocol of a host port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Protocol {
    /// TCP (the default).
    Tcp,
    /// UDP.
    Udp,
}

/// A host port a task holds on its instance while it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct HostPort {
    /// The port number.
    pub port: u16,
    /// Its protocol.
    pub protocol: Protocol,
}

/// Ports ECS reserves on every container instance by default (SSH, Docker,
/// the agent's introspection and metadata endpoints).
pub const AGENT_RESERVED_PORTS: [u16; 5] = [22, 2375, 2376, 51678, 51679];

/// A capacity provider a service can name.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Provider {
    /// `FARGATE`.
    Fargate,
    /// `FARGATE_SPOT`: Fargate at the Spot price, interruptible.
    FargateSpot,
    /// An Auto Scaling group provider (index into the scenario's).
    Asg(usize),
}

/// Something that names an Auto Scaling group capacity provider (the
/// scenario's provider specs), so [`Provider::name`] can name `Asg(i)`.
pub trait NamedProvider {
    /// The provider's name.
    fn provider_name(&self) -> &str;
}

impl Provider {
    /// The provider's name; `Asg(i)` is named by `providers[i]`.
    pub fn name<P: NamedProvider>(self, providers: &[P]) -> &str {
        match self {
            Provider::Fargate => "FARGATE",
            Provider::FargateSpot => "FARGATE_SPOT",
            Provider::Asg(i) => providers[i].provider_name(),
        }
    }
}

/// One item of a validated capacity provider strategy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ProviderShare {
    /// The provider.
    pub provider: Provider,
    /// Tasks it gets first.
    pub base: u32,
    /// Its relative share of the rest.
    pub weight: u32,
}
