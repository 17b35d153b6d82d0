// Where the compatibility routes are registered (ServiceState.makeRouter calls this once). Each is
// a `.scoring` route with its API's dialect: the same key, readiness and media-type screening as /score, its early
// failures in its API's error shape. Our own /score also takes vLLM's score body (ScoringEndpoints).
extension ServiceState {
    static let compatibilityPaths = [
        "/get_reward", "/classify", "/v1/score", "/v1/models", "/rerank", "/v1/rerank", "/v2/rerank", "/predict",
        "/tokenize", "/",
    ]

    static func addCompatibilityRoutes(to router: inout Router) {
        router.add("POST", "/get_reward", .scoring(.openRLHF) { await $0.getReward($1, context: $2) })
        router.add("POST", "/classify", .scoring(.vLLM) { await $0.classify($1, context: $2) })
        router.add("POST", "/v1/score", .scoring(.vLLM) { await $0.vllmScore($1, context: $2) })
        router.add("GET", "/v1/models", .scoring(.vLLM) { state, _, _ in state.modelList() })
        router.add("POST", "/rerank", .scoring(.tei) { await $0.rerank($1, context: $2) })
        router.add("POST", "/v1/rerank", .scoring(.cohere) { await $0.cohereRerank($1, apiVersion: "1", context: $2) })
        router.add("POST", "/v2/rerank", .scoring(.cohere) { await $0.cohereRerank($1, apiVersion: "2", context: $2) })
        router.add("POST", "/predict", .scoring(.tei) { await $0.teiPredict($1, context: $2) })
        router.add("POST", "/tokenize", .scoring(.tei) { await $0.teiTokenize($1, context: $2) })
        router.add("POST", "/", .scoring(.tei) { await $0.teiPredict($1, context: $2) })
    }
}
