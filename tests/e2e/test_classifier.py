"""The classifier learns in each deployment: admins correct categories, /classifier, retraining."""

from __future__ import annotations

from sqlalchemy import func, select, text
from sqlalchemy.ext.asyncio import AsyncEngine

from analysis.complaint_model import shipped_model
from analysis.complaints import active_model, use_model
from bot.jobs.retrain import retrain_deployment
from bot.runner import use_deployment_classifier
from emulator.customer import Customer
from emulator.emulator import BotAPIEmulator
from storage.database import session_factory
from storage.models import ClassifierModel, Complaint, ComplaintLabel, TicketEvent
from tests.e2e.test_complaint import press_and_wait, ticket_card
from tests.support.botapp import ADMIN_ID, RunningBot

RUDE_STAFF = "昨天在人民路营业厅，柜台的工作人员态度很差，问两句就不耐烦。"


async def file_confident_complaint(customer: Customer, description: str = RUDE_STAFF) -> str:
    """A complaint whose proposed category the customer confirms; returns its ticket number."""
    await customer.send("/complain")
    await customer.send(description)
    await press_and_wait(customer, "✅ 说完了", "这应该属于「人员素质」方面的问题")
    for label in ("👍 对，就是这个", "👍 对，就是这个", "轻微：有点不方便", "不用了", "📨 提交"):
        await customer.wait_for(lambda label=label: label in customer.buttons, what=label)
        await customer.press(label)
    await customer.wait_for(lambda: "投诉已提交" in customer.last_text, what="submitted")
    return customer.last_text.split("工单号：")[1].split()[0]


async def test_an_admin_corrects_a_category_and_it_is_kept_as_a_label(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    admin = emulator.customer(ADMIN_ID, first_name="管理员")
    await admin.send("/start")
    customer = emulator.customer(4101)
    ticket = await file_confident_complaint(customer)
    async with session_factory(db)() as session:
        assert (await session.scalar(select(func.count()).select_from(ComplaintLabel))) == 0  # confirmed

    await admin.send(f"/ticket {ticket}")
    card = ticket_card(admin)
    assert "🤖 分类依据：" in card.shown_text and "态度" in card.shown_text
    assert "🏷 改类别" in [b.text for b in card.buttons]
    await admin.press("🏷 改类别", message=card)
    await admin.wait_for(lambda: f"{ticket} 应该属于哪一类" in admin.last_text, what="category picker")
    assert "✓ 人员素质" in admin.buttons
    await admin.press("流程规范")
    await admin.wait_for(lambda: "类别已改为「流程规范」" in admin.last_text, what="changed")

    async with session_factory(db)() as session:
        complaint = (await session.scalars(select(Complaint))).one()
        assert (complaint.category_auto, complaint.category) == ("personnel", "process")
        assert complaint.first_response_at is None  # a correction is not an answer to the customer
        label = (await session.scalars(select(ComplaintLabel))).one()
        assert (label.label, label.source, label.predicted, label.labelled_by) == (
            "process",
            "admin",
            "personnel",
            ADMIN_ID,
        )
        assert label.text == RUDE_STAFF and label.model_version == shipped_model().version
        actions = (await session.scalars(select(TicketEvent.action).order_by(TicketEvent.id))).all()
        assert actions == ["open", "recategorise"]


async def test_classifier_command_shows_the_model_and_the_labels_to_admins_only(
    tingjian: RunningBot, emulator: BotAPIEmulator, db: AsyncEngine
) -> None:
    customer = emulator.customer(4102)
    await customer.send("/classifier")
    assert "仅限管理员" in customer.last_text

    admin = emulator.customer(ADMIN_ID)
    await admin.send("/start")
    await admin.send("/classifier")
    shown = admin.last_text
    accuracy = shipped_model().meta["held_out_accuracy"]
    assert f"投诉分类模型 {shipped_model().version}" in shown
    assert f"未参与训练的真实投诉上准确率 {accuracy:.0%}" in shown
    assert "本月收到的人工类别：0 条（累计 0 条）" in shown


async def _insert_labels(db: AsyncEngine, rows: list[tuple[str, str]]) -> None:
    async with db.begin() as connection:
        for description, label in rows:
            await connection.execute(
                text("INSERT INTO complaint_labels (text, label, source) VALUES (:t, :l, 'admin')"),
                {"t": description, "l": label},
            )


async def test_retraining_switches_only_when_the_deployment_labels_are_predicted_better(
    db: AsyncEngine,
) -> None:
    # Too few labels: explained, nothing stored.
    await _insert_labels(db, [("自助机坏了", "technology")])
    assert "retraining needs at least 20" in await retrain_deployment(db)

    # This deployment calls every broken-terminal complaint a resources problem (too few machines):
    # the shipped model says technology, so it is wrong on all of them and a retrained one is not.
    places = [
        "人民路",
        "中山路",
        "解放路",
        "建设路",
        "和平路",
        "新华路",
        "胜利路",
        "北京路",
        "南京路",
        "上海路",
    ]
    broken = [
        (f"{place}营业厅的{machine}坏了，只能排人工窗口", "resources")
        for place in places
        for machine in ("自助机", "取号机", "叫号机")
    ]
    await _insert_labels(db, broken)
    try:
        report = await retrain_deployment(db)
        assert "before" in report and "switched to" in report, report
        async with session_factory(db)() as session:
            stored = (await session.scalars(select(ClassifierModel))).one()
        assert stored.active and stored.accuracy_after > stored.accuracy_before
        assert stored.corrections == 31
        # A restarted bot classifies with it.
        use_model(None)
        assert await use_deployment_classifier(db) == stored.version == active_model().version

        # Retraining again on the same labels cannot beat the model that already learnt them.
        again = await retrain_deployment(db)
        assert "kept" in again, again
        async with session_factory(db)() as session:
            active = (await session.scalars(select(ClassifierModel).where(ClassifierModel.active))).all()
        assert [m.version for m in active] == [stored.version]
    finally:
        use_model(None)
