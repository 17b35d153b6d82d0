// Scratch memory for forward passes. One workspace is kept per engine for batches up to
// `Workspace.retainedTokens` tokens, so the common small batches allocate nothing and fault in no
// fresh pages; larger batches get their own, freed when the pass ends, so a rare big batch does
// not keep its memory resident.
import Checkpoint

/// Scratch buffers for a forward pass of up to `tokens` tokens whose longest sequence is `longest`.
final class Workspace {
    /// Token capacity of the workspace an engine keeps between passes (~31 MB at bert-base width).
    static let retainedTokens = 1024

    let tokens: Int
    let longest: Int
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
    init(tokens: Int, longest: Int, threads: Int, config: ModelConfig) {
        self.tokens = tokens
        self.longest = longest
        let width = tokens * config.hiddenSize
        func buffer(_ count: Int) -> UnsafeMutableBufferPointer<Float> {
            .allocate(capacity: max(count, 1))
        }
        hidden = buffer(width)
        query = buffer(width)
        key = buffer(width)
        value = buffer(width)
        context = buffer(width)
        projected = buffer(width)
        intermediate = buffer(tokens * config.intermediateSize)
        cls = buffer(tokens * config.hiddenSize)
        scores = buffer(longest * longest * threads)
    }

    func fits(tokens: Int, longest: Int) -> Bool { tokens <= self.tokens && longest <= self.longest }

    deinit {
        for b in [hidden, query, key, value, context, projected, intermediate, cls, scores] { b.deallocate() }
    }
}
