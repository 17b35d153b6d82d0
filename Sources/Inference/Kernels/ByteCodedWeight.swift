// A linear layer's weight for products on byte-coded input rows (U8Kernels.h), the faster of the two
// int8 schemes: each input row is quantised on its own (per token) to asymmetric uint8 codes, which
// vpmaddubsw / vpdpbusd multiply with int8 weights at twice the rate of int16 codes.
// Eight-bit activations alone rank about 93–96% of the accuracy pairs like fp32 (measured in float,
// Scripts/int8_scheme_simulation.py); two changes, both fixed at load from calibration text
// (`CalibrationText`), recover most of it:
//   - smoothing (SmoothQuant): input channel j is divided by s_j and the weight's column j multiplied
//     by it, s_j = r_j^α / max|W[:, j]|^(1 − α), r_j the channel's largest calibrated magnitude,
//     so a channel with large activations no longer sets the whole row's step;
//   - outlier channels (LLM.int8-style): the channels with the largest smoothed range keep int16 codes
//     and run through the int16 product (`QuantizedWeight`'s kernels), added to the byte product.
// Both are per channel, never per batch: a row's result does not depend on the rest of the batch.
import CKernels
import Checkpoint

#if canImport(Glibc)
    import Glibc
#endif

/// Which of its input's channels a byte-coded product smooths and which it keeps as int16 codes,
/// chosen once from the calibrated ranges. Products of one input (a layer's query, key and value)
/// share one plan, so their input is quantised once.
final class InputChannelPlan: Sendable {
    /// SmoothQuant's migration strength α: 0.5 ranked best of 0.25, 0.5 and 0.75 in the float
    /// simulation, and better than 0.4 in the engine.
    static let migration: Float = 0.5
    /// Share of input channels kept as int16 codes, largest smoothed range first. Measured in the engine
    /// on the docstring pairs (v1 / v2 ranking agreement): 2% 99.00 / 98.62, 3% 98.90 / 98.70, 4%
    /// 98.73 / 98.77; 3% leaves the widest margin over 98.5% on the test suite's 2,040 pairs.
    static let outlierShare = 0.03

    /// Per input channel, the factor it is multiplied by before byte quantisation: 1 / s_j, and 0 for
    /// the channels kept as int16 codes (their byte codes are then the zero point, times zero weights).
    let multipliers: [Float]
    /// Per input channel, s_j (multiplies the weight's column), 0 for the channels kept as int16 codes.
    let smoothing: [Float]
    /// Channels kept as int16 codes, ascending.
    let wideChannels: [Int]

    /// `ranges[j]`: the largest |x_j| seen in calibration; `columnMax[j]`: max over the outputs of
    /// every product sharing the input of |W[:, j]|.
    init(ranges: [Float], columnMax: [Float]) {
        let k = ranges.count
        // Floors at 1% of the mean keep a channel that calibration never saw active (or a zero weight
        // column) from getting an extreme factor.
        let rangeFloor = max(ranges.reduce(0, +) / Float(max(k, 1)) * 0.01, .leastNormalMagnitude)
        let weightFloor = max(columnMax.reduce(0, +) / Float(max(k, 1)) * 0.01, .leastNormalMagnitude)
        let alpha = Double(Self.migration)
        let s = (0..<k).map { j in
            Float(
                pow(Double(max(ranges[j], rangeFloor)), alpha) / pow(Double(max(columnMax[j], weightFloor)), 1 - alpha))
        }
        var wideCount = Int((Double(k) * Self.outlierShare).rounded(.up))
        wideCount = min(k, (wideCount + 1) / 2 * 2)
        // Widest smoothed range first; ties by channel, so the plan is deterministic.
        let wide = Set(
            (0..<k).sorted { a, b in
                let ra = max(ranges[a], rangeFloor) / s[a]
                let rb = max(ranges[b], rangeFloor) / s[b]
                return ra != rb ? ra > rb : a < b
            }.prefix(wideCount))
        wideChannels = (0..<k).filter { wide.contains($0) }
        smoothing = (0..<k).map { wide.contains($0) ? 0 : s[$0] }
        multipliers = (0..<k).map { wide.contains($0) ? 0 : 1 / s[$0] }
    }
}

final class ByteCodedWeight: @unchecked Sendable {
    // @unchecked: `codes` is written once, by the first product (calibration), while the engine is
    // being loaded and before any other thread can reach this weight; afterwards it is only read.

    let outputs: Int
    let inputs: Int
    private let weight: FloatTensor
    private var codes: Codes?

    /// nil when the output width is not a whole number of panels (callers keep fp32 then).
    init?(_ weight: FloatTensor) {
        guard weight.shape.count == 2 else { return nil }
        outputs = weight.shape[0]
        inputs = weight.shape[1]
        guard outputs > 0, inputs > 0, outputs % Int(RK_U8_COLS) == 0, outputs % Int(RK_Q8_COLS) == 0 else {
            return nil
        }
        self.weight = weight
    }

    var isCalibrated: Bool { codes != nil }

    /// The calibrated plan (nil before), shared with the products of the same input.
    var plan: InputChannelPlan? { codes?.plan }

    /// Quantises a product that never ran (no input seen: every channel gets the same factor).
    func finishCalibration(parallel: Parallel) {
        guard codes == nil else { return }
        Self.quantize([self], ranges: [Float](repeating: 1, count: inputs), parallel: parallel)
    }

    /// `out[rows, outputs] ≈ x[rows, inputs] · Wᵀ`.
    func times(_ x: UnsafePointer<Float>, rows: Int, into out: UnsafeMutablePointer<Float>, parallel: Parallel) {
        Self.times(x, rows: rows, [(self, out)], parallel: parallel)
    }

    /// Several products of the same input (a layer's query, key and value): the rows are quantised
    /// once per plan (split over the threads by rows), then all the products' panels are split over the
    /// threads in one pass.
    /// Calibration: the first input a product multiplies (the engine's calibration batch) picks its plan
    /// from each channel's largest magnitude over that input's rows, the same plan for every product of
    /// the call, and quantises their weights; that input is then multiplied in int8 like any other, so
    /// later layers calibrate on the activations they will see.
    static func times(
        _ x: UnsafePointer<Float>, rows: Int, _ products: [(ByteCodedWeight, UnsafeMutablePointer<Float>)],
        parallel: Parallel
    ) {
        guard rows > 0, let inputs = products.first?.0.inputs else { return }
        precondition(products.allSatisfy { $0.0.inputs == inputs }, "products of one input share its width")
        if products.contains(where: { !$0.0.isCalibrated }) {
            let ranges = columnMagnitudes(of: [(x, rows)], width: inputs, parallel: parallel)
            quantize(products.map(\.0).filter { !$0.isCalibrated }, ranges: ranges, parallel: parallel)
        }
        let ready = products.map { weight, out in (weight.codes!, out) }
        var plans: [InputChannelPlan] = []
        let planIndex = ready.map { codes, _ in
            if let index = plans.firstIndex(where: { $0 === codes.plan }) { return index }
            plans.append(codes.plan)
            return plans.count - 1
        }
        CodeScratch.with({ carver in plans.map { CodedRows(rows: rows, plan: $0, scratch: &carver) } }) { coded in
            parallel.forEachChunk(count: rows, grain: 16) { _, range in
                for (rowCodes, plan) in zip(coded, plans) {
                    for row in range { rowCodes.quantize(row, from: x + row * inputs, plan: plan) }
                }
            }
            parallel.forEachPanelRange(panels: ready.map(\.0.panels)) { index, panels in
                let (codes, out) = ready[index]
                codes.multiply(coded[planIndex[index]], rows: rows, panels: panels, into: out)
            }
        }
    }

    /// One plan for `group` (products of one input) from the input's `ranges` and the group's weight
    /// columns; quantises and packs every member's weight with it. Runs while the engine loads, where
    /// it is most of int8's start-up, so both passes over the weights are split over the threads.
    private static func quantize(_ group: [ByteCodedWeight], ranges: [Float], parallel: Parallel) {
        // `group` keeps every member's weight, and so its values, alive through the call.
        let columnMax = columnMagnitudes(
            of: group.map { ($0.weight.values.baseAddress!, $0.outputs) }, width: ranges.count, parallel: parallel)
        let plan = InputChannelPlan(ranges: ranges, columnMax: columnMax)
        for member in group {
            member.codes = Codes(weight: member.weight, plan: plan, parallel: parallel)
            // The float original is not read again: a mapped checkpoint's pages need not stay resident.
            member.weight.releaseMappedPages()
        }
    }

    /// Per column j, the largest |m[r, j]| over every row of the row-major `[rows, width]` matrices:
    /// calibration's input ranges and the weights' column maxima. Split over the threads by columns, so
    /// no two threads write one maximum.
    private static func columnMagnitudes(
        of matrices: [(values: UnsafePointer<Float>, rows: Int)], width: Int, parallel: Parallel
    ) -> [Float] {
        var maxima = [Float](repeating: 0, count: width)
        maxima.withUnsafeMutableBufferPointer { maxima in
            let maxima = maxima.baseAddress!
            parallel.forEachChunk(count: width, grain: 64) { _, columns in
                for (values, rows) in matrices {
                    for r in 0..<rows {
                        let row = values + r * width
                        for j in columns { maxima[j] = max(maxima[j], abs(row[j])) }
                    }
                }
            }
        }
        return maxima
    }
}

/// The packed halves of a calibrated byte-coded weight.
private final class Codes: @unchecked Sendable {
    // @unchecked: every buffer is written once in init and only read afterwards.
    let plan: InputChannelPlan
    let outputs: Int
    /// uint8-code half: rk_u8_pack panels over every input channel, smoothed, the int16-coded ones zero.
    let byteWidth: Int
    let byteValues: UnsafeMutablePointer<Int8>
    let byteScales: UnsafeMutablePointer<Float>
    let columnSums: UnsafeMutablePointer<Int32>
    /// int16-code half: rk_q8_pack panels over the outlier channels (none when the plan has none).
    let wideWidth: Int
    let wideValues: UnsafeMutablePointer<Int8>
    let wideScales: UnsafeMutablePointer<Float>

    var panels: Int { outputs / Int(RK_U8_COLS) }
    var byteInputs: Int { plan.multipliers.count }
    var wideInputs: Int { plan.wideChannels.count }

    /// Packs `weight`'s panels, split over the threads (a panel's bytes, scales and sums are its own).
    init(weight: FloatTensor, plan: InputChannelPlan, parallel: Parallel) {
        self.plan = plan
        outputs = weight.shape[0]
        let inputs = weight.shape[1]
        let kw = plan.wideChannels.count
        byteWidth = rk_u8_padded_inputs(inputs)
        wideWidth = rk_q8_padded_inputs(kw)
        byteValues = alignedBytes(outputs * max(byteWidth, 1))
        byteScales = .allocate(capacity: outputs)
        columnSums = .allocate(capacity: outputs)
        wideValues = alignedBytes(outputs * max(wideWidth, 1))
        wideScales = .allocate(capacity: outputs)
        let columns = Int(RK_U8_COLS)
        precondition(columns == Int(RK_Q8_COLS), "both halves split on the same panels")
        weight.withValues { w in
            parallel.forEachChunk(count: outputs / columns) { _, panels in
                let first = panels.lowerBound * columns
                let count = panels.count * columns
                rk_u8_pack(
                    w.baseAddress! + first * inputs, count, inputs, plan.smoothing, byteValues + first * byteWidth,
                    byteScales + first, columnSums + first)
                guard kw > 0 else { return }
                var wideWeight = [Float](repeating: 0, count: count * kw)
                for c in 0..<count {
                    let row = w.baseAddress! + (first + c) * inputs
                    for (i, j) in plan.wideChannels.enumerated() { wideWeight[c * kw + i] = row[j] }
                }
                rk_q8_pack(wideWeight, count, kw, wideValues + first * wideWidth, wideScales + first)
            }
        }
    }

    deinit {
        free(byteValues)
        free(wideValues)
        byteScales.deallocate()
        columnSums.deallocate()
        wideScales.deallocate()
    }

    /// `out[:, panels] =` the int16 product of the outlier channels plus the byte product of the rest.
    func multiply(_ coded: CodedRows, rows: Int, panels: Range<Int>, into out: UnsafeMutablePointer<Float>) {
        let isa = QuantizedWeight.isa
        if wideInputs > 0 {
            rk_q8_gemm(
                isa, rows, wideInputs, coded.wideValues, wideWidth, coded.wideScales, wideValues, wideScales,
                panels.lowerBound, panels.upperBound, out, outputs)
        }
        rk_u8_gemm(
            isa, rows, byteInputs, coded.byteValues, byteWidth, coded.byteScales, coded.zeros, byteValues,
            byteScales, columnSums, panels.lowerBound, panels.upperBound, out, outputs, wideInputs > 0 ? 1 : 0)
    }
}

/// One call's input rows coded for one plan: uint8 codes with per-row scale and zero point for the
/// byte channels, int16 codes with per-row scale for the outlier channels.
private struct CodedRows {
    let byteValues: UnsafeMutablePointer<UInt8>
    let byteScales: UnsafeMutablePointer<Float>
    let zeros: UnsafeMutablePointer<Int32>
    let byteWidth: Int
    let wideValues: UnsafeMutablePointer<Int16>
    let wideScales: UnsafeMutablePointer<Float>
    let wideWidth: Int

    /// Takes its buffers from `scratch` (see `CodeScratch`).
    init(rows: Int, plan: InputChannelPlan, scratch: inout ScratchCarver) {
        byteWidth = rk_u8_padded_inputs(plan.multipliers.count)
        wideWidth = rk_q8_padded_inputs(plan.wideChannels.count)
        byteValues = scratch.take(rows * byteWidth, of: UInt8.self)
        byteScales = scratch.take(rows, of: Float.self)
        zeros = scratch.take(rows, of: Int32.self)
        wideValues = scratch.take(rows * wideWidth, of: Int16.self)
        wideScales = scratch.take(rows, of: Float.self)
    }

    func quantize(_ row: Int, from x: UnsafePointer<Float>, plan: InputChannelPlan) {
        let isa = QuantizedWeight.isa
        byteScales[row] = plan.multipliers.withUnsafeBufferPointer { multipliers in
            rk_u8_quantize_row(
                isa, x, multipliers.count, multipliers.baseAddress, byteValues + row * byteWidth, zeros + row)
        }
        let kw = plan.wideChannels.count
        guard kw > 0 else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: kw) { gathered in
            for (i, j) in plan.wideChannels.enumerated() { gathered[i] = x[j] }
            wideScales[row] = rk_q8_quantize_row(isa, gathered.baseAddress!, kw, wideValues + row * wideWidth)
        }
    }
}

private func alignedBytes(_ count: Int) -> UnsafeMutablePointer<Int8> {
    var memory: UnsafeMutableRawPointer?
    guard posix_memalign(&memory, 64, max(count, 64)) == 0, let memory else { fatalError("out of memory") }
    return memory.bindMemory(to: Int8.self, capacity: count)
}
