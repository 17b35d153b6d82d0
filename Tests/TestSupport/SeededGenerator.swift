// The seeded random generator every test target uses, so randomized tests replay exactly: the
// engine's own SplitMix64 (which seeds benchmark weights), not a second copy of it.
import Inference

public typealias SeededGenerator = SplitMix64
