import EventLog
import HaasAPI

extension JSONValue {
    /// A decoded wire value as a payload value. Numbers keep their binary64 value in canonical form.
    init(_ value: AnyJSON) {
        switch value {
        case .null: self = .null
        case .bool(let flag): self = .bool(flag)
        case .number(let number): self = JSONNumber(number).map(JSONValue.number) ?? .null
        case .string(let text): self = .string(text)
        case .array(let items): self = .array(items.map(JSONValue.init))
        case .object(let members):
            self = .object(members.sorted { $0.key < $1.key }.map { ($0.key, JSONValue($0.value)) })
        }
    }

    static func optional(_ value: Double?) -> JSONValue {
        value.flatMap(JSONNumber.init).map(JSONValue.number) ?? .null
    }
    static func optional(_ value: Int?) -> JSONValue { value.map { .number($0) } ?? .null }
    static func optional(_ value: Int64?) -> JSONValue { value.map { .number($0) } ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func optional(_ value: AnyJSON?) -> JSONValue { value.map(JSONValue.init) ?? .null }
}
