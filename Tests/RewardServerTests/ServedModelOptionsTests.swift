// `--model` repeated as NAME=DIR_OR_REPO_ID for serve, its environment twin as a comma-separated
// list, the names' rules, and the single-model subcommands refusing several.
import ArgumentParser
import Testing

@testable import RewardServer

private func serve(_ flags: [String], environment: [String: String] = [:]) throws -> ServeCommand {
    let resolved = try EnvironmentTwins.resolve(["serve"] + flags, environment: environment)
    return try ServeCommand.parse(Array(resolved.arguments.dropFirst()))
}

/// The message ArgumentParser prints for `flags`, or nil when they parse.
private func refusal(_ flags: [String], environment: [String: String] = [:]) -> String? {
    do {
        _ = try serve(flags, environment: environment)
        return nil
    } catch {
        return ServeCommand.message(for: error)
    }
}

@Test func repeatedModelsAreNamedInOrderTheFirstBeingTheDefault() throws {
    let command = try serve(["--model", "reward=/models/r", "--model", "toxicity=org/toxic-classifier"])
    #expect(
        command.model.models == [
            ServedModelSpec(name: "reward", source: "/models/r"),
            ServedModelSpec(name: "toxicity", source: "org/toxic-classifier"),
        ])
}

@Test func aBareModelKeepsItsOldMeaning() throws {
    #expect(try serve(["--model", "/models/m"]).model.models == [ServedModelSpec(name: nil, source: "/models/m")])
    // A path with '=' after a '/' is a path, not a name.
    #expect(
        try serve(["--model", "/data/run=3/model"]).model.models == [
            ServedModelSpec(name: nil, source: "/data/run=3/model")
        ])
    #expect(try serve([]).model.models == [ServedModelSpec(name: nil, source: "nicholasKluge/RewardModel")])
}

@Test func namesMustBeGivenValidAndDistinct() {
    let cases: [([String], String)] = [
        (["--model", "a=/x", "--model", "/y"], "'/y' has no name"),
        (["--model", "=/x"], "before '=' is empty"),
        (["--model", "my model=/x"], "contains whitespace"),
        (["--model", "a,b=/x"], "contains a comma"),
        (["--model", "a=/x", "--model", "a=/y"], "'a' is given twice"),
        (["--model", "a="], "give a directory or repo id after 'a='"),
    ]
    for (flags, expected) in cases {
        let message = refusal(flags)
        #expect(message?.contains(expected) == true, "\(flags): \(message ?? "accepted")")
    }
}

@Test func theVariableTakesACommaSeparatedListAndTheFlagStillWins() throws {
    let environment = ["REWARD_SERVER_MODEL": "reward=/models/r, toxicity=/models/t"]
    #expect(
        try serve([], environment: environment).model.models == [
            ServedModelSpec(name: "reward", source: "/models/r"), ServedModelSpec(name: "toxicity", source: "/models/t"),
        ])
    let flagWins = try serve(["--model", "/only"], environment: environment)
    #expect(flagWins.model.models == [ServedModelSpec(name: nil, source: "/only")])
    #expect(refusal([], environment: ["REWARD_SERVER_MODEL": "a=/x,,b=/y"])?.contains("empty entry") == true)
}

@Test func singleModelSubcommandsTakeOneEntryAndRefuseSeveral() throws {
    #expect(try ScoreCommand.parse(["--model", "reward=/models/r"]).model.model == "/models/r")
    for parse in [
        { _ = try ScoreCommand.parse(["--model", "a=/x", "--model", "b=/y"]) },
        { _ = try CompareCommand.parse(["--model", "a=/x", "--model", "b=/y", "--pairs", "p.jsonl"]) },
        { _ = try TokenizeCommand.parse(["--model", "a=/x", "--model", "b=/y"]) },
    ] as [() throws -> Void] {
        do {
            try parse()
            Issue.record("several models were accepted")
        } catch {
            #expect(ScoreCommand.message(for: error).contains("several models are for serve"))
        }
    }
}
