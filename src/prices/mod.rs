//! Prices from AWS's own data (docs/aws-data.md).
//!
//! * [`offer_file`] streams an AWS Price List bulk offer file (AmazonEC2,
//!   AmazonECS; JSON or CSV) and keeps the Linux on-demand prices of one
//!   region: `ecs-sim prices import`.
//! * [`catalog_file`] writes and reads the compact per-region price file
//!   that import produces and a scenario names in `cluster.prices`.
//! * [`spot_history`] reads `aws ec2 describe-spot-price-history` output as
//!   a step price curve per instance type and zone, for Spot fleets.
//!
//! The built-in catalog (`data/instance_types.csv`, [`crate::catalog`]) holds
//! us-east-1 prices; every other region needs imported ones.

pub mod catalog_file;
pub mod offer_file;
mod regions;
pub mod spot_history;

pub use catalog_file::{read_region_prices, write_catalog, RegionPrices};
pub use offer_file::{import_offer_file, Imported};
pub use regions::region_for_location;

/// The region whose prices are built in.
pub const BUILTIN_REGION: &str = "us-east-1";

/// The four Fargate Linux rates, in the order of [`FargateRate::ALL`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum FargateRate {
    /// USD per vCPU-hour, x86.
    X86VcpuHour,
    /// USD per GB-hour, x86.
    X86GbHour,
    /// USD per vCPU-hour, ARM (Graviton).
    ArmVcpuHour,
    /// USD per GB-hour, ARM (Graviton).
    ArmGbHour,
}

impl FargateRate {
    /// Every rate, in file order.
    pub const ALL: [FargateRate; 4] =
        [FargateRate::X86VcpuHour, FargateRate::X86GbHour, FargateRate::ArmVcpuHour, FargateRate::ArmGbHour];

    /// Its name in price files and in `[fargate]`: `x86_vcpu_hour` and so on.
    pub fn name(self) -> &'static str {
        match self {
            FargateRate::X86VcpuHour => "x86_vcpu_hour",
            FargateRate::X86GbHour => "x86_gb_hour",
            FargateRate::ArmVcpuHour => "arm_vcpu_hour",
            FargateRate::ArmGbHour => "arm_gb_hour",
        }
    }

    /// The rate with this name.
    pub fn from_name(name: &str) -> Option<FargateRate> {
        FargateRate::ALL.into_iter().find(|r| r.name() == name)
    }

    /// The rate a Price List `usagetype` bills: `[PREFIX-]Fargate-vCPU-Hours:perCPU`,
    /// `Fargate-GB-Hours`, `Fargate-ARM-vCPU-Hours:perCPU` or
    /// `Fargate-ARM-GB-Hours`, where the optional prefix is a region's usage
    /// prefix (`EU`, `USE2`) without a hyphen. Windows, Spot and storage
    /// usage types are none of these.
    pub fn from_usage_type(usage_type: &str) -> Option<FargateRate> {
        let suffix = match usage_type.split_once('-') {
            Some((prefix, rest)) if prefix != "Fargate" && !rest.is_empty() => rest,
            _ => usage_type,
        };
        match suffix {
            "Fargate-vCPU-Hours:perCPU" => Some(FargateRate::X86VcpuHour),
            "Fargate-GB-Hours" => Some(FargateRate::X86GbHour),
            "Fargate-ARM-vCPU-Hours:perCPU" => Some(FargateRate::ArmVcpuHour),
            "Fargate-ARM-GB-Hours" => Some(FargateRate::ArmGbHour),
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fargate_usage_types() {
        assert_eq!(FargateRate::from_usage_type("EU-Fargate-vCPU-Hours:perCPU"), Some(FargateRate::X86VcpuHour));
        assert_eq!(FargateRate::from_usage_type("Fargate-GB-Hours"), Some(FargateRate::X86GbHour));
        assert_eq!(FargateRate::from_usage_type("USE2-Fargate-ARM-GB-Hours"), Some(FargateRate::ArmGbHour));
        assert_eq!(FargateRate::from_usage_type("EU-Fargate-ARM-vCPU-Hours:perCPU"), Some(FargateRate::ArmVcpuHour));
        assert_eq!(FargateRate::from_usage_type("EU-Fargate-Windows-vCPU-Hours:perCPU"), None);
        assert_eq!(FargateRate::from_usage_type("USE1-SpotUsage-Fargate-vCPU-Hours:perCPU"), None);
        assert_eq!(FargateRate::from_usage_type("EU-Fargate-EphemeralStorage-GB-Hours"), None);
        for rate in FargateRate::ALL {
            assert_eq!(FargateRate::from_name(rate.name()), Some(rate));
        }
    }
}
