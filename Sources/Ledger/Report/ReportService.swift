import EventLog

/// A report as written: the HTML and the position it was read at.
public struct RenderedReport: Sendable {
    public let html: String
    public let position: UInt64

    /// `1.2 MB, log position 4,321`, for the line a command prints once the file is written.
    public var summary: String {
        "\(DiskSpace.text(UInt64(html.utf8.count + 1))), log position \(position)"
    }
}

extension ReadModelService {
    /// `haasledger report`: one self-contained HTML file of the ledger as of a moment (write it through
    /// `OutputSink`, so a file appears only once it is whole).
    public func report(_ request: ReportRequest) throws -> RenderedReport {
        let content = try reportContent(request)
        return RenderedReport(html: ReportDocument(content: content).html, position: content.position)
    }
}
