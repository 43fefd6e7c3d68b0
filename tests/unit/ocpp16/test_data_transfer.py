"""DataTransfer (OCPP 1.6 section 4.3): answered by the vendor's plug-in, recorded either way."""

from __future__ import annotations

from cs.app.datatransfer import DataTransferAnswer, DataTransferRequest, DataTransferStatus
from tests.support import promises
from tests.support.builders import a_data_transfer
from tests.support.station import EXCHANGED, Node, Station, a_node

TRANSFERRED = "cs.ChargeBox.DataTransferred"


async def test_a_vendor_without_a_handler_is_answered_unknown_vendor_id_and_recorded(
    node: Node, station: Station
) -> None:
    payload = a_data_transfer(vendorId="com.nobody", messageId="x", data="{}")
    answer = await station.call("DataTransfer", payload, unique_id="dt-1")
    assert answer == [3, "dt-1", {"status": "UnknownVendorId"}]
    assert node.last_unit() == [EXCHANGED, TRANSFERRED]
    transferred = node.last_unit_events()[1]
    assert (transferred.vendor_id, transferred.data_message_id, transferred.data) == (
        "com.nobody",
        "x",
        "{}",
    )
    assert (transferred.status, transferred.answer_data, transferred.message_id) == (
        "UnknownVendorId",
        None,
        "dt-1",
    )


async def test_a_plugged_in_handler_answers_its_message_and_its_answer_is_recorded() -> None:
    seen: list[DataTransferRequest] = []

    async def price(request: DataTransferRequest) -> DataTransferAnswer:
        seen.append(request)
        return DataTransferAnswer(DataTransferStatus.ACCEPTED, '{"price": 0.42}')

    async with a_node(data_transfer_handlers={("com.acme", "GetPrice"): price}) as node:
        station = await node.connect("CP-7", tenant_id="acme-tenant")
        answer = await station.call("DataTransfer", a_data_transfer(data="c1"))
        assert answer[2] == {"status": "Accepted", "data": '{"price": 0.42}'}
        assert seen == [DataTransferRequest("acme-tenant", "CP-7", "com.acme", "GetPrice", "c1")]
        transferred = node.log.events(TRANSFERRED)[-1]
        assert (transferred.status, transferred.answer_data) == ("Accepted", '{"price": 0.42}')


async def test_a_known_vendor_without_a_handler_for_the_message_is_unknown_message_id() -> None:
    handlers = {("com.acme", "GetPrice"): lambda r: DataTransferAnswer(DataTransferStatus.ACCEPTED)}
    async with a_node(data_transfer_handlers=handlers) as node:
        station = await node.connect()
        answer = await station.call("DataTransfer", a_data_transfer(messageId="Nope"))
        assert answer[2] == {"status": "UnknownMessageId"}
        assert node.log.events(TRANSFERRED)[-1].status == "UnknownMessageId"


async def test_a_vendor_wide_handler_takes_every_message_of_its_vendor() -> None:
    def anything(request: DataTransferRequest) -> DataTransferAnswer:
        return DataTransferAnswer(DataTransferStatus.REJECTED, request.message_id)

    async with a_node(data_transfer_handlers={("com.acme", None): anything}) as node:
        station = await node.connect()
        answer = await station.call("DataTransfer", a_data_transfer(messageId="Whatever"))
        assert answer[2] == {"status": "Rejected", "data": "Whatever"}


async def test_the_built_in_echo_answers_what_it_was_sent(node: Node, station: Station) -> None:
    payload = a_data_transfer(vendorId="org.chargegrid", messageId="echo", data="hi")
    assert (await station.call("DataTransfer", payload))[2] == {"status": "Accepted", "data": "hi"}


async def test_a_handler_that_fails_is_answered_internal_error_and_the_connection_goes_on() -> None:
    def broken(request: DataTransferRequest) -> DataTransferAnswer:
        raise RuntimeError("vendor plug-in bug")

    async with a_node(data_transfer_handlers={("com.acme", None): broken}) as node:
        station = await node.connect()
        answer = await station.call("DataTransfer", a_data_transfer())
        assert answer[2] == "InternalError"
        assert node.last_unit() == [EXCHANGED]
        assert (await station.call("Heartbeat", {}))[0] == 3


async def test_a_transfer_without_vendor_id_is_a_protocol_error(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node, station, "DataTransfer", a_data_transfer(vendorId=None), "ProtocolError"
    )


async def test_a_message_id_longer_than_50_characters_is_refused(
    node: Node, station: Station
) -> None:
    await promises.assert_refused_with(
        node,
        station,
        "DataTransfer",
        a_data_transfer(messageId="M" * 51),
        "TypeConstraintViolation",
    )


async def test_an_uncommitted_transfer_is_answered_internal_error(
    node: Node, station: Station
) -> None:
    await promises.assert_an_uncommitted_answer_is_internal_error(
        node, station, "DataTransfer", a_data_transfer()
    )
    assert TRANSFERRED not in node.log.topics()


async def test_a_retried_transfer_is_handled_and_recorded_once() -> None:
    calls: list[DataTransferRequest] = []

    def count(request: DataTransferRequest) -> DataTransferAnswer:
        calls.append(request)
        return DataTransferAnswer(DataTransferStatus.ACCEPTED, str(len(calls)))

    async with a_node(data_transfer_handlers={("com.acme", None): count}) as node:
        station = await node.connect()
        await promises.assert_a_retry_is_answered_again_without_a_second_effect(
            node, station, "DataTransfer", a_data_transfer()
        )
        assert len(calls) == 1
        assert node.log.topics().count(TRANSFERRED) == 1


async def test_a_box_whose_boot_was_rejected_gets_security_error() -> None:
    await promises.assert_a_rejected_box_gets_security_error("DataTransfer", a_data_transfer())
