// Tokenizes a job's pairs on the request path, before anything is queued, so the queue knows each
// pair's token count. With truncation off, an over-long pair is a 422 naming its index and length.
// `shouldStop` (the client went away, the deadline passed) ends the work early.
import Tokenizer

enum PairEncoder {
    /// `itemName` ("pairs", "responses") names an over-long pair by index; nil says "the pair".
    static func encode(
        _ job: ScoringJob, model: any ScoringModel, itemName: String?, shouldStop: () -> Bool = { false }
    ) throws(ServiceError) -> [Encoding] {
        var encodings: [Encoding] = []
        encodings.reserveCapacity(job.pairs.count)
        for (index, pair) in job.pairs.enumerated() {
            do {
                encodings.append(
                    try model.encode(
                        prompt: pair.prompt, response: pair.response, truncate: job.truncate, stopIf: shouldStop))
            } catch RewardModelError.stopped {
                throw Task.isCancelled ? .clientDisconnected : .deadlineExceeded
            } catch RewardModelError.pairTooLong(let tokens, let limit) {
                let name = itemName.map { "\($0)[\(index)]" } ?? "the pair"
                throw .validation(
                    "\(name) has \(tokens) tokens, more than the model's limit of \(limit), and truncate is false")
            } catch {
                throw .internalError("encoding failed: \(error)")
            }
        }
        return encodings
    }
}
