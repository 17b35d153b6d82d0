// Scratch memory for forward passes. One workspace is kept for the whole process (passes run one
// at a time, see `ComputeLock`) for batches up to `Workspace.retainedTokens` tokens, sized for the
// widest model that has run, so the common small batches allocate nothing and fault in no fresh
// pages, and serving several models costs one workspace, not one each. The engine splits larger
// batches into passes that fit (see `RewardEngine`); a pass that still does not (one sequence longer
// than the capacity) gets a workspace of its own, freed when the pass ends.
import Checkpoint

/// Scratch buffers for a forward pass of up to `tokens` tokens whose longest sequence is `longest`.
final class Workspace {
    /// Token capacity of the workspace an engine keeps between passes (~31 MB at bert-base width).
    static let retainedTokens = 1024

    let tokens: Int
    let longest: Int
    /// Widths and attention blocks this workspace has room for (a model's or wider).
    let hiddenSize: Int
    let intermediateSize: Int
    let threads: Int
    let hidden: UnsafeMutableBufferPointer<Float>
    let query: UnsafeMutableBufferPointer<Float>
    let key: UnsafeMutableBufferPointer<Float>
    let value: UnsafeMutableBufferPointer<Float>
    let context: UnsafeMutableBufferPointer<Float>
    let projected: UnsafeMutableBufferPointer<Float>
    let intermediate: UnsafeMutableBufferPointer<Float>
    /// The [CLS] rows the last layer works on (see `BertEncoder.clsVectors`).
    let cls: UnsafeMutableBufferPointer<Float>
    let scores: UnsafeMutableBufferPointer<Float>
    /// Where the buffers live: pages from the kernel, given back when the workspace goes.
    private let pages: ScratchPages

    /// `threads` attention score blocks, one per thread.
    convenience init(tokens: Int, longest: Int, threads: Int, config: ModelConfig) {
        self.init(
            tokens: tokens, longest: longest, threads: threads, hiddenSize: config.hiddenSize,
            intermediateSize: config.intermediateSize)
    }

    init(tokens: Int, longest: Int, threads: Int, hiddenSize: Int, intermediateSize: Int) {
        self.tokens = tokens
        self.longest = longest
        self.hiddenSize = hiddenSize
        self.intermediateSize = intermediateSize
        self.threads = threads
        let width = tokens * hiddenSize
        let counts = [
            width, width, width, width, width, width, tokens * intermediateSize, width, longest * longest * threads,
        ]
        let buffers: [UnsafeMutableBufferPointer<Float>]
        (pages, buffers) = ScratchPages.carved { carver in
            counts.map { UnsafeMutableBufferPointer(start: carver.take($0, of: Float.self), count: $0) }
        }
        (hidden, query, key, value, context, projected) = (
            buffers[0], buffers[1], buffers[2], buffers[3], buffers[4], buffers[5]
        )
        (intermediate, cls, scores) = (buffers[6], buffers[7], buffers[8])
    }

    /// Whether a pass of `tokens` rows, longest sequence `longest`, of a model of `config` on
    /// `threads` threads has room here.
    func fits(tokens: Int, longest: Int, threads: Int, config: ModelConfig) -> Bool {
        tokens <= self.tokens && longest <= self.longest && threads <= self.threads
            && config.hiddenSize <= hiddenSize && config.intermediateSize <= intermediateSize
    }
}
