//! Statistics across replications: means with Student's t 95 % confidence
//! intervals, and the cost-against-availability Pareto front.

/// Two-sided 95 % critical values of Student's t for 1 to 30 degrees of freedom.
const T_95: [f64; 30] = [
    12.706, 4.303, 3.182, 2.776, 2.571, 2.447, 2.365, 2.306, 2.262, 2.228, 2.201, 2.179, 2.160, 2.145, 2.131, 2.120,
    2.110, 2.101, 2.093, 2.086, 2.080, 2.074, 2.069, 2.064, 2.060, 2.056, 2.052, 2.048, 2.045, 2.042,
];

/// The two-sided 95 % critical value of Student's t with `df` degrees of
/// freedom (table for 1..=30, the normal 1.96 beyond; 0 for no degrees).
pub(crate) fn t_critical_95(df: usize) -> f64 {
    match df {
        0 => 0.0,
        1..=30 => T_95[df - 1],
        _ => 1.96,
    }
}

/// A mean and the half-width of its 95 % confidence interval.
#[derive(Debug, Clone, Copy, PartialEq, Default, serde::Serialize)]
pub struct Estimate {
    /// The sample mean.
    pub mean: f64,
    /// Half-width of the 95 % confidence interval (0 with one sample).
    pub ci95: f64,
    /// How many samples went in.
    pub samples: usize,
}

/// The mean of `samples` and its 95 % confidence half-width,
/// t(n−1) · s / √n; `None` when there are no samples.
pub(crate) fn estimate(samples: &[f64]) -> Option<Estimate> {
    let n = samples.len();
    if n == 0 {
        return None;
    }
    let mean = samples.iter().sum::<f64>() / n as f64;
    if n == 1 {
        return Some(Estimate { mean, ci95: 0.0, samples: 1 });
    }
    let variance = samples.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
    let ci95 = t_critical_95(n - 1) * (variance / n as f64).sqrt();
    Some(Estimate { mean, ci95, samples: n })
}

/// Marks the points on the Pareto front of (cost, availability): those that no
/// other point beats, where beating means costing no more and being no less
/// available, and strictly better in one of the two.
pub(crate) fn pareto_front(points: &[(f64, f64)]) -> Vec<bool> {
    points
        .iter()
        .map(|&(cost, availability)| {
            !points.iter().any(|&(c, a)| c <= cost && a >= availability && (c < cost || a > availability))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_table_and_normal_tail() {
        assert_eq!(t_critical_95(1), 12.706);
        assert_eq!(t_critical_95(4), 2.776);
        assert_eq!(t_critical_95(30), 2.042);
        assert_eq!(t_critical_95(31), 1.96);
        assert_eq!(t_critical_95(0), 0.0);
    }

    #[test]
    fn confidence_interval_of_a_known_sample() {
        // Mean 3, sample standard deviation √2.5, n = 5: 2.776 · √(2.5/5).
        let e = estimate(&[1.0, 2.0, 3.0, 4.0, 5.0]).unwrap();
        assert_eq!(e.mean, 3.0);
        assert!((e.ci95 - 2.776 * 0.5_f64.sqrt()).abs() < 1e-12);
        assert_eq!(estimate(&[7.0]), Some(Estimate { mean: 7.0, ci95: 0.0, samples: 1 }));
        assert_eq!(estimate(&[]), None);
    }

    #[test]
    fn pareto_front_keeps_only_undominated_points() {
        // (cost, availability): the second is dominated by the first; the
        // third is dearer but more available; the fourth equals the first.
        let front = pareto_front(&[(10.0, 99.0), (11.0, 98.0), (12.0, 99.5), (10.0, 99.0)]);
        assert_eq!(front, [true, false, true, true]);
    }
}
