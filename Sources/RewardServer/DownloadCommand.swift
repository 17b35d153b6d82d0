// `reward-server download`: fetch a model from the Hugging Face Hub into the shared cache (or
// find it there when offline) and print its snapshot directory, e.g. to pass to --model later.
import ArgumentParser
import Foundation
import Hub
import Logging

struct DownloadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "download",
        abstract: "Download a model from the Hugging Face Hub into the cache and print its snapshot directory.",
        discussion: """
            Only the files the service needs are fetched: config.json, the tokenizer files, and one weights \
            format (model.safetensors, else pytorch_model.bin, or their shards). The cache is Hugging Face's \
            own (HF_HUB_CACHE, else $HF_HOME/hub, else ~/.cache/huggingface/hub), shared with Python's \
            huggingface_hub. Environment: HF_ENDPOINT, HF_TOKEN, HF_HUB_OFFLINE. Progress and logs go to \
            stderr; stdout carries only the directory.

            \(EnvironmentTwins.helpDiscussion(for: "download"))
            """)

    @Option(help: "Hub repo id (org/name) or a local model directory (printed as it is).")
    var model: String = ModelOptions.defaultModel

    @Option(help: "Branch, tag or commit of the Hub repo.")
    var revision: String = "main"

    func run() async throws {
        // A handler of our own rather than a global bootstrap: stdout must carry only the path.
        let logger = Logger(label: "reward-server") { StreamLogHandler.standardError(label: $0) }
        let settings = HubSettings()
        logger.debug("hub settings: \(settings)")
        let directory = try await ModelResolver.resolve(
            model: model, revision: revision, settings: settings, logger: logger)
        print(directory.path)
    }
}
