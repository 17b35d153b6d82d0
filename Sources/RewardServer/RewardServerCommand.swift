// The `reward-server` command line: subcommands share one model option group.
import ArgumentParser

@main
struct RewardServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-server",
        abstract: "Score (prompt, response) pairs with a BERT reward model on CPU.",
        subcommands: [ScoreCommand.self, TokenizeCommand.self]
    )
}
