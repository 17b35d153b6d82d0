// The `reward-server` command line: subcommands share one model option group. `serve` is async,
// so the root command is too. Environment twins of the options are resolved before parsing.
import ArgumentParser
import Foundation

@main
struct RewardServerCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reward-server",
        abstract: "Score (prompt, response) pairs with a BERT reward model on CPU.",
        subcommands: [
            ServeCommand.self, ScoreCommand.self, TokenizeCommand.self, DownloadCommand.self, CompareCommand.self,
        ]
    )

    static func main() async {
        let arguments = Array(CommandLine.arguments.dropFirst())
        var settings: [EnvironmentSetting] = []
        do {
            let resolved = try EnvironmentTwins.resolve(arguments, environment: ProcessInfo.processInfo.environment)
            settings = resolved.settings
            var command = try parseAsRoot(resolved.arguments)
            if var asyncCommand = command as? AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            // A bad value that came from the environment is reported under its flag's name by the
            // parser; say where it came from.
            let code = exitCode(for: error)
            guard !settings.isEmpty, code != .success else { exit(withError: error) }
            let origin = settings.map { "\($0.twin.variable)=\($0.displayValue)" }.joined(separator: ", ")
            let message = fullMessage(for: error) + "\nSet from the environment: \(origin)\n"
            FileHandle.standardError.write(Data(message.utf8))
            Foundation.exit(code.rawValue)
        }
    }
}
