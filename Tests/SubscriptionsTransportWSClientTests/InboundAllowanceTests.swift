import Testing

@testable import SubscriptionsTransportWSClient

@Suite("The bound on messages waiting for the client's driver")
struct InboundAllowanceTests {
    @Test func theReaderGoesOnBelowTheLimitAndWaitsAtIt() {
        let allowance = InboundAllowance(limit: 4)
        #expect(allowance.reported() == nil)
        #expect(allowance.reported() == nil)
        #expect(allowance.reported() == nil)
        let resume = allowance.reported()
        #expect(resume != nil)
        #expect(allowance.unhandled == 4)
    }

    @Test func theReaderResumesOnceTheDriverCaughtUpToHalfTheLimit() throws {
        let allowance = InboundAllowance(limit: 4)
        for _ in 1...3 { _ = allowance.reported() }
        let resume = try #require(allowance.reported())
        allowance.handled()
        #expect(resume.value == nil)
        allowance.handled()
        #expect(resume.value != nil)
        #expect(allowance.unhandled == 2)
        // Below the limit again: no waiting until it is reached once more, then a new wait.
        #expect(allowance.reported() == nil)
        let next = try #require(allowance.reported())
        #expect(next !== resume)
        #expect(next.value == nil)
    }

    @Test func aLimitBelowOneIsOne() throws {
        let allowance = InboundAllowance(limit: 0)
        let resume = try #require(allowance.reported())
        allowance.handled()
        #expect(resume.value != nil)
    }
}
