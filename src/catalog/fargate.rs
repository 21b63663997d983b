//! Fargate task sizes (the valid CPU and memory combinations) and prices.

use super::Architecture;

/// A Fargate task size.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct FargateSize {
    /// CPU units (1024 per vCPU).
    pub cpu: u32,
    /// Memory in MiB.
    pub memory_mib: u32,
}

/// Valid Fargate task CPU values, in CPU units, ascending.
const FARGATE_CPU: [u32; 7] = [256, 512, 1024, 2048, 4096, 8192, 16384];

/// The valid memory values (MiB, ascending) for a Fargate CPU value; empty
/// when `cpu` is not a valid Fargate CPU value.
fn fargate_memory_options(cpu: u32) -> Vec<u32> {
    let (min, max, step) = match cpu {
        256 => return vec![512, 1024, 2048],
        512 => (1024, 4096, 1024),
        1024 => (2048, 8192, 1024),
        2048 => (4096, 16384, 1024),
        4096 => (8192, 30720, 1024),
        8192 => (16384, 61440, 4096),
        16384 => (32768, 122880, 8192),
        _ => return Vec::new(),
    };
    (min..=max).step_by(step).collect()
}

/// Joins numbers with ", ".
fn join_numbers(values: &[u32]) -> String {
    values.iter().map(u32::to_string).collect::<Vec<_>>().join(", ")
}

/// Checks a task size against the valid Fargate combinations. Err text lists
/// the valid memory values for that cpu (or the valid cpu values) so the user
/// can fix it.
pub fn validate_fargate_size(cpu: u32, memory_mib: u32) -> Result<FargateSize, String> {
    let options = fargate_memory_options(cpu);
    if options.is_empty() {
        return Err(format!(
            "Fargate task cpu {cpu} is not valid; use one of {} (CPU units, 1024 = 1 vCPU)",
            join_numbers(&FARGATE_CPU)
        ));
    }
    if !options.contains(&memory_mib) {
        return Err(format!(
            "Fargate task memory {memory_mib} MiB is not valid with cpu {cpu}; \
             use one of {} (MiB)",
            join_numbers(&options)
        ));
    }
    Ok(FargateSize { cpu, memory_mib })
}

/// The smallest valid size with at least this cpu and memory (cpu first, then
/// memory), or `None` if larger than 16 vCPU / 120 GB.
pub fn round_up_fargate_size(cpu: u32, memory_mib: u32) -> Option<FargateSize> {
    FARGATE_CPU.iter().filter(|&&c| c >= cpu).find_map(|&c| {
        fargate_memory_options(c).into_iter().find(|&m| m >= memory_mib).map(|m| FargateSize { cpu: c, memory_mib: m })
    })
}

/// Fargate prices in USD per vCPU-hour and per GB-hour of memory.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FargatePricing {
    /// USD per vCPU-hour, x86.
    pub x86_vcpu_hour: f64,
    /// USD per GB-hour of memory, x86.
    pub x86_gb_hour: f64,
    /// USD per vCPU-hour, ARM (Graviton).
    pub arm_vcpu_hour: f64,
    /// USD per GB-hour of memory, ARM (Graviton).
    pub arm_gb_hour: f64,
}

impl Default for FargatePricing {
    /// us-east-1 Linux prices: x86 $0.04048 per vCPU-hour and $0.004445 per
    /// GB-hour; ARM $0.03238 and $0.00356.
    fn default() -> Self {
        FargatePricing { x86_vcpu_hour: 0.04048, x86_gb_hour: 0.004445, arm_vcpu_hour: 0.03238, arm_gb_hour: 0.00356 }
    }
}

impl FargatePricing {
    /// USD per hour for one task of this size: vCPU = cpu / 1024,
    /// GB = memory_mib / 1024.
    pub fn hourly_price(&self, size: FargateSize, arch: Architecture) -> f64 {
        let (vcpu_hour, gb_hour) = match arch {
            Architecture::X86_64 => (self.x86_vcpu_hour, self.x86_gb_hour),
            Architecture::Arm64 => (self.arm_vcpu_hour, self.arm_gb_hour),
        };
        f64::from(size.cpu) / 1024.0 * vcpu_hour + f64::from(size.memory_mib) / 1024.0 * gb_hour
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::test_support::close;

    #[test]
    fn fargate_accepts_every_valid_combination() {
        let mut count = 0;
        for cpu in FARGATE_CPU {
            for memory in fargate_memory_options(cpu) {
                assert_eq!(validate_fargate_size(cpu, memory), Ok(FargateSize { cpu, memory_mib: memory }));
                count += 1;
            }
        }
        // 3 + 4 + 7 + 13 + 23 + 12 + 12 valid Linux combinations.
        assert_eq!(count, 74);
        assert_eq!(fargate_memory_options(16384).last(), Some(&122880));
        assert_eq!(fargate_memory_options(8192).get(1), Some(&20480));
    }

    #[test]
    fn fargate_rejects_invalid_sizes_listing_the_valid_ones() {
        let err = validate_fargate_size(256, 4096).expect_err("invalid memory");
        assert!(err.contains("512, 1024, 2048"), "{err}");
        let err = validate_fargate_size(8192, 18432).expect_err("off-step memory");
        assert!(err.contains("16384, 20480"), "{err}");
        let err = validate_fargate_size(300, 1024).expect_err("invalid cpu");
        assert!(err.contains("256, 512, 1024, 2048, 4096, 8192, 16384"), "{err}");
    }

    #[test]
    fn fargate_round_up() {
        let size = |cpu, memory_mib| Some(FargateSize { cpu, memory_mib });
        assert_eq!(round_up_fargate_size(300, 600), size(512, 1024));
        assert_eq!(round_up_fargate_size(100, 100), size(256, 512));
        assert_eq!(round_up_fargate_size(256, 4096), size(512, 4096));
        assert_eq!(round_up_fargate_size(4096, 40000), size(8192, 40960));
        assert_eq!(round_up_fargate_size(16384, 122880), size(16384, 122880));
        assert_eq!(round_up_fargate_size(20000, 1024), None);
        assert_eq!(round_up_fargate_size(1024, 122881), None);
    }

    #[test]
    fn fargate_pricing() {
        let pricing = FargatePricing::default();
        let size = FargateSize { cpu: 1024, memory_mib: 2048 };
        assert!(close(pricing.hourly_price(size, Architecture::X86_64), 0.04048 + 2.0 * 0.004445));
        assert!(close(pricing.hourly_price(size, Architecture::Arm64), 0.03238 + 2.0 * 0.00356));
        let quarter = FargateSize { cpu: 256, memory_mib: 512 };
        assert!(close(pricing.hourly_price(quarter, Architecture::X86_64), 0.25 * 0.04048 + 0.5 * 0.004445));
    }
}
