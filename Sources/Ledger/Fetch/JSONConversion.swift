import EventLog
import HaasAPI
import JSON

extension JSONValue {
    static func optional(_ value: Double?) -> JSONValue {
        value.flatMap(JSONNumber.init).map(JSONValue.number) ?? .null
    }
    static func optional(_ value: Int?) -> JSONValue { value.map { .number($0) } ?? .null }
    static func optional(_ value: Int64?) -> JSONValue { value.map { .number($0) } ?? .null }
    static func optional(_ value: String?) -> JSONValue { value.map(JSONValue.string) ?? .null }
    static func optional(_ value: JSONValue?) -> JSONValue { value ?? .null }
}
