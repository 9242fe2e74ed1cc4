//! A small deterministic random number generator and the Beta sampler of
//! Thompson sampling, so that a seed alone fixes every draw: the same
//! inputs give the same decision on every machine.

/// `SplitMix64`: one 64-bit state, fast, and good enough to sample from;
/// not for cryptography.
#[derive(Debug, Clone)]
pub(crate) struct SplitMix {
    state: u64,
    /// The second normal draw of the last polar pair: a Beta draw
    /// takes two, and this halves the logarithms and roots.
    spare: Option<f64>,
}

impl SplitMix {
    pub(crate) fn new(seed: u64) -> Self {
        SplitMix {
            state: seed,
            spare: None,
        }
    }

    pub(crate) fn next_u64(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        mix(self.state)
    }

    /// Uniform in (0, 1): never 0, so its logarithm is finite.
    pub(crate) fn uniform(&mut self) -> f64 {
        ((self.next_u64() >> 11) as f64 + 0.5) * (1.0 / (1u64 << 53) as f64)
    }

    /// A standard normal draw: Marsaglia's polar method, which needs no
    /// sine or cosine (the most expensive part of Box–Muller) for a
    /// rejection of about one point in five.
    fn normal(&mut self) -> f64 {
        if let Some(normal) = self.spare.take() {
            return normal;
        }
        // Each try is accepted with probability π/4: 64 tries all rejected
        // does not happen with a working generator, and 0 (the mean)
        // stands in rather than looping on.
        for _ in 0..64 {
            let x = 2.0 * self.uniform() - 1.0;
            let y = 2.0 * self.uniform() - 1.0;
            let square = x * x + y * y;
            if square < 1.0 && square > 0.0 {
                let factor = (-2.0 * square.ln() / square).sqrt();
                self.spare = Some(y * factor);
                return x * factor;
            }
        }
        0.0
    }

    /// A Gamma(`shape`, 1) draw, Marsaglia and Tsang's method; 0 for a
    /// shape that is not above 0.
    pub(crate) fn gamma(&mut self, shape: f64) -> f64 {
        if shape.is_nan() || shape <= 0.0 || shape.is_infinite() {
            return 0.0;
        }
        if shape < 1.0 {
            // Gamma(a) = Gamma(a + 1) · U^(1/a).
            return self.gamma(shape + 1.0) * self.uniform().powf(1.0 / shape);
        }
        // The names of the paper: d = a − 1/3, c = 1/√(9d).
        let shifted = shape - 1.0 / 3.0;
        let scale = 1.0 / (9.0 * shifted).sqrt();
        // Each try is accepted with probability above 0.95: 64 tries all
        // rejected does not happen with a working generator, and the
        // mean stands in rather than looping on.
        for _ in 0..64 {
            let normal = self.normal();
            let cube_root = 1.0 + scale * normal;
            if cube_root <= 0.0 {
                continue;
            }
            let cube = cube_root * cube_root * cube_root;
            let uniform = self.uniform();
            let square = normal * normal;
            if uniform < 1.0 - 0.0331 * square * square
                || uniform.ln() < 0.5 * square + shifted * (1.0 - cube + cube.ln())
            {
                return shifted * cube;
            }
        }
        shape
    }

    /// A Beta(`alpha`, `beta`) draw, in [0, 1]: 0 when `alpha` is not above
    /// 0, 1 when only `beta` is not.
    pub(crate) fn beta(&mut self, alpha: f64, beta: f64) -> f64 {
        let x = self.gamma(alpha);
        let y = self.gamma(beta);
        let sum = x + y;
        if sum > 0.0 && sum.is_finite() {
            return x / sum;
        }
        // Both shapes tiny (both draws underflowed) or one not positive.
        match (alpha > 0.0, beta > 0.0) {
            (true, true) => alpha / (alpha + beta),
            (true, false) => 1.0,
            _ => 0.0,
        }
    }
}

/// The `SplitMix64` output function: spreads any change of `z` over every
/// bit, so seeds that differ in one bit give unrelated draws.
pub(crate) fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

#[cfg(test)]
mod tests {
    use super::SplitMix;

    #[test]
    fn gamma_draws_have_the_shape_as_mean() {
        for shape in [0.3, 1.0, 2.5, 40.0] {
            let mut random = SplitMix::new(7);
            let n = 20_000;
            let mean = (0..n).map(|_| random.gamma(shape)).sum::<f64>() / f64::from(n);
            assert!(
                (mean - shape).abs() < 0.05 * shape.max(1.0),
                "{shape}: {mean}"
            );
        }
    }

    #[test]
    fn degenerate_shapes_give_the_bounds() {
        let mut random = SplitMix::new(1);
        assert_eq!(random.beta(0.0, 3.0), 0.0);
        assert_eq!(random.beta(3.0, 0.0), 1.0);
        assert_eq!(random.gamma(f64::NAN), 0.0);
        let tiny = random.beta(1e-300, 1e-300);
        assert!((0.0..=1.0).contains(&tiny));
    }
}
