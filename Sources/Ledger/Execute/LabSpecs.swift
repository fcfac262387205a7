import Foundation
import JSON

/// How a lab searches its parameter grid. The lab record's `T` carries it; the numbers are the simulator's
/// (unverified on a real server, haas-api.md §2.1 lists `T` without values).
public enum LabAlgorithm: String, Sendable, CaseIterable {
    case brute, intelligent, random, cluster

    public var number: Int {
        switch self {
        case .brute: 0
        case .intelligent: 1
        case .random: 2
        case .cluster: 3
        }
    }
}

/// `--param KEY=a..b:step` or `--param KEY=v1,v2,…`: the options a lab tries for one input.
public struct LabParameterSpec: Sendable, Equatable {
    public let key: String
    public let options: [String]

    /// At most this many options per parameter: a typo in a step should not ask the server for a million.
    static let maxOptions = 10_000

    public init(parsing text: String) throws {
        guard let equals = text.firstIndex(of: "="), equals != text.startIndex else {
            throw LedgerError.invalidArgument(
                flag: "--param", reason: "'\(text)': expected KEY=a..b:step or KEY=v1,v2,…")
        }
        key = String(text[..<equals])
        let value = String(text[text.index(after: equals)...])
        let flag = "--param \(key)"
        if let dots = value.range(of: "..") {
            let lower = String(value[..<dots.lowerBound])
            let rest = value[dots.upperBound...]
            let parts = rest.split(separator: ":", maxSplits: 1).map(String.init)
            guard let from = Double(lower), let to = parts.first.flatMap(Double.init), from.isFinite, to.isFinite else {
                throw LedgerError.invalidArgument(flag: flag, reason: "'\(value)': expected a..b:step with numbers")
            }
            let step = parts.count == 2 ? Double(parts[1]) : 1
            guard let step, step > 0, step.isFinite else {
                throw LedgerError.invalidArgument(flag: flag, reason: "'\(value)': the step must be a number above 0")
            }
            guard from <= to else {
                throw LedgerError.invalidArgument(
                    flag: flag, reason: "'\(value)': the range must go up (\(lower) > \(to.shortText))")
            }
            let count = Int(((to - from) / step + 1e-9).rounded(.down)) + 1
            guard count <= Self.maxOptions else {
                throw LedgerError.invalidArgument(
                    flag: flag, reason: "'\(value)' makes \(count) options (at most \(Self.maxOptions))")
            }
            // Decimals as the step has them, so 0.1 steps read 1.1, not 1.1000000000000001.
            let decimals = parts.count == 2 ? (parts[1].split(separator: ".").dropFirst().first?.count ?? 0) : 0
            options = (0..<count).map { index in
                let value = from + Double(index) * step
                return decimals == 0 && value == value.rounded()
                    ? value.shortText : String(format: "%.\(max(decimals, 1))f", value)
            }
        } else {
            let items = value.split(separator: ",", omittingEmptySubsequences: false).map {
                $0.trimmingCharacters(in: .whitespaces)
            }
            guard !items.isEmpty, items.allSatisfy({ !$0.isEmpty }) else {
                throw LedgerError.invalidArgument(
                    flag: flag, reason: "'\(value)': expected v1,v2,… without empty values")
            }
            options = items
        }
    }
}

/// `--config MP=…,MG=…,ME=…,MR=…,AR=…`: a lab's population, generations, elites, mix and adjust rates.
public struct LabConfigSpec: Sendable, Equatable {
    public static let keys = ["MP", "MG", "ME", "MR", "AR"]
    public let values: [(key: String, value: Double)]

    public init(parsing text: String) throws {
        var values: [(key: String, value: Double)] = []
        for item in text.split(separator: ",") {
            let parts = item.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2, let number = Double(parts[1]), number.isFinite, number >= 0 else {
                throw LedgerError.invalidArgument(flag: "--config", reason: "'\(item)': expected KEY=number")
            }
            guard Self.keys.contains(parts[0].uppercased()) else {
                throw LedgerError.invalidArgument(
                    flag: "--config",
                    reason: "'\(parts[0])' is not a lab setting (known: \(Self.keys.joined(separator: ", ")))")
            }
            values.append((parts[0].uppercased(), number))
        }
        guard !values.isEmpty else { throw LedgerError.invalidArgument(flag: "--config", reason: "nothing given") }
        self.values = values
    }

    public static func == (lhs: LabConfigSpec, rhs: LabConfigSpec) -> Bool {
        lhs.values.map(\.key) == rhs.values.map(\.key) && lhs.values.map(\.value) == rhs.values.map(\.value)
    }
}

/// What `lab update` and `lab run` change before a run.
public struct LabUpdate: Sendable {
    public var name: String?
    public var parameters: [LabParameterSpec]
    public var algorithm: LabAlgorithm?
    public var config: LabConfigSpec?

    public init(
        name: String? = nil, parameters: [LabParameterSpec] = [], algorithm: LabAlgorithm? = nil,
        config: LabConfigSpec? = nil
    ) {
        self.name = name
        self.parameters = parameters
        self.algorithm = algorithm
        self.config = config
    }

    public var isEmpty: Bool { name == nil && parameters.isEmpty && algorithm == nil && config == nil }

    /// The full parameter list for UPDATE_LAB_DETAILS: the lab's, with the given ones' options replaced (a
    /// parameter left out would be removed by the server).
    func parameterList(_ current: JSONValue?) throws -> JSONValue {
        guard case .array(let items)? = current else {
            throw LedgerError.partialFailure("the lab's details carry no parameter list (P); nothing can be updated")
        }
        let keys = items.compactMap { $0["K"]?.stringValue }
        for spec in parameters where !keys.contains(spec.key) {
            let hint = DebugResult.nearest(to: spec.key, in: Set(keys)).map { "; did you mean '\($0)'?" } ?? ""
            throw LedgerError.invalidArgument(
                flag: "--param \(spec.key)",
                reason:
                    "the lab has no parameter '\(spec.key)' (its parameters: \(keys.joined(separator: ", ")))\(hint)")
        }
        return .array(
            items.map { item in
                guard case .object(var members) = item, let key = item["K"]?.stringValue,
                    let spec = parameters.first(where: { $0.key == key })
                else { return item }
                let options = JSONValue.array(spec.options.map(JSONValue.string))
                if let index = members.firstIndex(where: { $0.key == "O" }) {
                    members[index].value = options
                } else {
                    members.append(("O", options))
                }
                return .object(members)
            })
    }

    func configObject(_ current: JSONValue?) -> JSONValue {
        var members: [(key: String, value: JSONValue)] = []
        if case .object(let existing)? = current { members = existing }
        for (key, value) in config?.values ?? [] {
            let number = JSONValue.number(JSONNumber(value) ?? JSONNumber(Int64(0)))
            if let index = members.firstIndex(where: { $0.key == key }) {
                members[index].value = number
            } else {
                members.append((key, number))
            }
        }
        return .object(members)
    }
}
