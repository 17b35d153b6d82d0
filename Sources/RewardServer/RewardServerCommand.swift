// The `reward-server` command line: subcommands share one model option group. `serve` is async,
// so the root command is too.
import ArgumentParser

@main
struct RewardServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-server",
        abstract: "Score (prompt, response) pairs with a BERT reward model on CPU.",
        subcommands: [ServeCommand.self, ScoreCommand.self, TokenizeCommand.self, DownloadCommand.self]
    )
}
