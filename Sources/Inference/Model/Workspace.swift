// Scratch memory for forward passes. One workspace is kept for the whole process (passes run one
// at a time, see `ComputeLock`) for batches up to `Workspace.retainedTokens` tokens, sized for the
// widest model that has run, so the common small batches allocate nothing and fault in no fresh
// pages, and serving several models costs one workspace, not one each; larger batches get their
// own, freed when the pass ends, so a rare big batch does not keep its memory resident.
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
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            .allocate(capacity: max(count, 1))
        }
        hidden = buffer(width)
        query = buffer(width)
        key = buffer(width)
        value = buffer(width)
        context = buffer(width)
        projected = buffer(width)
        intermediate = buffer(tokens * intermediateSize)
        cls = buffer(tokens * hiddenSize)
        scores = buffer(longest * longest * threads)
    }

    /// Whether a pass of `tokens` rows, longest sequence `longest`, of a model of `config` on
    /// `threads` threads has room here.
    func fits(tokens: Int, longest: Int, threads: Int, config: ModelConfig) -> Bool {
        tokens <= self.tokens && longest <= self.longest && threads <= self.threads
            && config.hiddenSize <= hiddenSize && config.intermediateSize <= intermediateSize
    }

    deinit {
        for b in [hidden, query, key, value, context, projected, intermediate, cls, scores] { b.deallocate() }
    }
}
