/// Why paging through a lab's results stopped (haas-api.md §2.2).
public enum PagingStop: String, Sendable {
    case emptyPage = "empty_page"
    case unchangedNextPage = "unchanged_next_page"
    case negativeNextPage = "negative_next_page"
    case missingNextPage = "missing_next_page"
    case pageLimit = "page_limit"
}

/// Every result record of a lab, deduplicated by backtest id, with the pages they came from.
public struct PagedBacktestResults: Sendable {
    public struct Page: Sendable {
        public let requestedPageID: Int
        public let nextPageID: Int?
        public let itemCount: Int
        public let body: [UInt8]
    }

    /// Each record once, in the order first seen, with the index of its page in `pages`.
    public let records: [(record: BacktestResultRecord, page: Int)]
    public let pages: [Page]
    /// Records that repeated a backtest id already seen and were dropped.
    public let duplicatesDropped: Int
    public let stop: PagingStop
}

extension HaasClient {
    /// Pages through `GET_BACKTEST_RESULT_PAGE`: start at 0, follow `NP`, stop on an empty page or an `NP` that
    /// is missing, negative or unchanged; dedupe by `BID`. `maxPages` guards against a server that never stops.
    public func allBacktestResults(labID: String, pageLength: Int = 100, maxPages: Int = 100_000) async throws
        -> PagedBacktestResults
    {
        var records: [(record: BacktestResultRecord, page: Int)] = []
        var seen = Set<String>()
        var pages: [PagedBacktestResults.Page] = []
        var duplicates = 0
        var requested = 0
        while true {
            guard pages.count < maxPages else {
                return PagedBacktestResults(
                    records: records, pages: pages, duplicatesDropped: duplicates, stop: .pageLimit)
            }
            let reply = try await backtestResultPage(labID: labID, nextPageID: requested, pageLength: pageLength)
            let page = reply.value
            pages.append(
                .init(
                    requestedPageID: requested, nextPageID: page.nextPageID, itemCount: page.items.count,
                    body: reply.body))
            for record in page.items {
                if seen.insert(record.backtestID).inserted {
                    records.append((record, pages.count - 1))
                } else {
                    duplicates += 1
                }
            }
            let stop: PagingStop?
            if page.items.isEmpty {
                stop = .emptyPage
            } else if let next = page.nextPageID {
                stop = next < 0 ? .negativeNextPage : next == requested ? .unchangedNextPage : nil
            } else {
                stop = .missingNextPage
            }
            if let stop {
                return PagedBacktestResults(records: records, pages: pages, duplicatesDropped: duplicates, stop: stop)
            }
            requested = page.nextPageID ?? requested
        }
    }
}
