"""The report's words in Chinese and English: section titles, column labels, verdicts and notes.

Every label is a (zh, en) pair looked up with :func:`t`; dimension and category names come from
:mod:`analysis.frames`.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any, Final

import pandas as pd

from dialogs.terms import CATEGORY_LABELS, DIMENSION_LABELS

TEXT: Final[Mapping[str, tuple[str, str]]] = {
    "title": ("服务质量测定报告", "Service quality report"),
    "day": ("日报", "daily report"),
    "week": ("周报", "weekly report"),
    "month": ("月报", "monthly report"),
    "period": ("周期", "Period"),
    "range": ("时间范围", "Dates"),
    "data_until": ("数据截至", "Data up to"),
    "timezone": ("时区", "Time zone"),
    "weights_used": ("指数权重", "Index weights"),
    "baseline_source": ("基准值来源", "Baseline"),
    "baseline_configured": ("已配置的基准值", "configured values"),
    "baseline_history": ("前 {n} 期平均", "mean of the previous {n} periods"),
    "baseline_none": ("无（历史数据不足）", "none (not enough history)"),
    "no_data": ("本期无数据。", "No data for this period."),
    "no_answer_yet": ("（一题未答）", "(before the first answer)"),
    "insufficient": ("数据不足或无法估计", "not enough data"),
    # sections
    "s_overview": ("概览", "Overview"),
    "s_index": ("服务质量综合指数（0–100）", "Composite service-quality index (0–100)"),
    "s_dimensions": ("各维度得分（1–5）", "Dimension scores (1–5)"),
    "s_questions": ("各题得分", "Question scores"),
    "s_satisfaction": ("满意度（CSAT）与净推荐值（NPS）", "CSAT and NPS"),
    "s_responses": ("问卷回收与完成率", "Responses and completion"),
    "s_dropoff": ("中途退出位置", "Where abandoned responses stopped"),
    "s_cleaning": ("数据清洗", "Data cleaning"),
    "s_reliability": ("信度检验（Cronbach α）", "Reliability (Cronbach's alpha)"),
    "s_weights": ("维度权重对比", "Dimension weights side by side"),
    "s_complaints": ("投诉统计", "Complaints"),
    "s_complaint_categories": ("投诉类别分布", "Complaints by category"),
    "s_complaint_dimensions": ("投诉维度分布", "Complaints by dimension"),
    "s_timeliness": ("投诉处理时效", "Complaint handling timeliness"),
    "s_overdue": ("超时未结工单", "Overdue open tickets"),
    "s_keywords": ("投诉热点关键词", "Hot-spot keywords"),
    "s_rising": ("上升的热点关键词", "Rising keywords"),
    "s_correlation": ("影响因素关联性分析", "Factor correlation"),
    "s_ipa": ("重要性—表现分析（IPA）", "Importance–performance analysis"),
    "s_priorities": ("改进优先级", "Improvement priorities"),
    "s_trend": ("趋势", "Trend"),
    "s_gbt": ("顾客满意测评（参照 GB/T 19038）", "Satisfaction measurement (after GB/T 19038)"),
    "s_gbt_model": ("测评模型", "Model"),
    "s_gbt_sampling": ("抽样方案与实际误差", "Sampling plan and achieved margins"),
    "s_gbt_collection": ("数据收集", "Data collection"),
    "s_gbt_validity": ("信度与效度", "Reliability and validity"),
    "s_gbt_matrix": ("重要性—满意度矩阵", "Importance–satisfaction matrix"),
    "s_gbt_servqual": ("服务质量差距（SERVQUAL）", "Service quality gaps (SERVQUAL)"),
    "s_gbt_kano": ("需求分类（Kano）", "Requirement categories (Kano)"),
    "s_gbt_nps": ("净推荐值及其置信区间", "NPS with its confidence interval"),
    # columns
    "metric": ("指标", "Figure"),
    "current": ("本期", "This period"),
    "previous": ("上期", "Previous"),
    "change": ("变化", "Change"),
    "status": ("判断", "Verdict"),
    "baseline": ("基准值", "Baseline"),
    "vs_baseline": ("较基准", "vs baseline"),
    "baseline_status": ("基准判断", "Baseline verdict"),
    "below_baseline": ("低于基准", "Below baseline"),
    "dimension": ("维度", "Dimension"),
    "question": ("题目", "Question"),
    "role": ("类型", "Role"),
    "n": ("样本数", "n"),
    "mean": ("均值", "Mean"),
    "ci_low": ("95%CI下限", "95% CI low"),
    "ci_high": ("95%CI上限", "95% CI high"),
    "low_share": ("低分占比", "Low (≤2) share"),
    "count": ("数量", "Count"),
    "share": ("占比", "Share"),
    "value": ("数值", "Value"),
    "scope": ("范围", "Scope"),
    "alpha": ("α", "Alpha"),
    "items": ("题数", "Items"),
    "flag": ("提示", "Flag"),
    "version": ("问卷版本", "Survey version"),
    "category": ("类别", "Category"),
    "severity": ("严重程度", "Severity"),
    "complaints": ("投诉数", "Complaints"),
    "per_1000_responses": ("每千份问卷", "Per 1,000 responses"),
    "per_1000_customers": ("每千名活跃客户", "Per 1,000 active customers"),
    "tickets": ("工单数", "Tickets"),
    "first_median": ("首次响应中位数(时)", "First response median (h)"),
    "first_p90": ("首次响应P90(时)", "First response p90 (h)"),
    "resolution_median": ("解决时长中位数(时)", "Resolution median (h)"),
    "resolution_p90": ("解决时长P90(时)", "Resolution p90 (h)"),
    "within_sla": ("时限内解决率", "Resolved within SLA"),
    "overdue_open": ("超时未结", "Overdue open"),
    "rating": ("处理满意度(1–5)", "Resolution rating (1–5)"),
    "rating_n": ("评价数", "Ratings"),
    "ticket": ("工单号", "Ticket"),
    "age_h": ("已用时(时)", "Age (h)"),
    "sla_h": ("时限(时)", "SLA (h)"),
    "overdue_h": ("超时(时)", "Overdue (h)"),
    "keyword": ("关键词", "Keyword"),
    "ids": ("相关工单", "Tickets"),
    "new": ("新出现", "New"),
    "var_a": ("因素A", "Factor A"),
    "var_b": ("因素B", "Factor B"),
    "r": ("相关系数r", "r"),
    "p_value": ("p值", "p"),
    "importance": ("重要性", "Importance"),
    "performance": ("表现", "Performance"),
    "quadrant": ("象限", "Quadrant"),
    "rank": ("排名", "Rank"),
    "area": ("改进方向", "Area"),
    "score": ("得分", "Score"),
    "why": ("理由", "Why"),
    "index": ("指数", "Index"),
    "responses": ("有效问卷", "Responses"),
    "completed": ("完成", "Completed"),
    "started": ("开始", "Started"),
    "abandoned": ("中途退出", "Abandoned"),
    "in_progress": ("进行中", "In progress"),
    "completion_rate": ("完成率", "Completion rate"),
    "csat": ("CSAT", "CSAT"),
    "nps": ("NPS", "NPS"),
    "promoters": ("推荐者%", "Promoters %"),
    "passives": ("被动者%", "Passives %"),
    "detractors": ("贬损者%", "Detractors %"),
    "complaint_rate": ("投诉率(每千份)", "Complaint rate (per 1,000)"),
    "overall": ("总体满意度", "Overall satisfaction"),
    "used": ("指数采用", "Used for index"),
    "beta": ("标准化系数β", "Standardised β"),
    "significant": ("显著(p<0.05)", "Significant (p < 0.05)"),
    "reg_weight": ("回归权重", "Regression weight"),
    "active_customers": ("活跃客户", "Active customers"),
    # GB/T 19038-style part
    "items_n": ("题数", "Items"),
    "weight": ("权重", "Weight"),
    "target_margin": ("目标误差", "Target margin"),
    "confidence": ("置信度", "Confidence"),
    "population": ("总体规模", "Population"),
    "required_n": ("计划样本数", "Planned sample"),
    "response_rate": ("预期回复率", "Expected response rate"),
    "invitations": ("需发出邀请", "Invitations needed"),
    "figure": ("指标", "Figure"),
    "margin": ("实际误差(±)", "Achieved margin (±)"),
    "below_plan": ("低于计划", "Below plan"),
    "channel": ("渠道", "Channel"),
    "kmo": ("KMO", "KMO"),
    "chi2": ("Bartlett χ²", "Bartlett χ²"),
    "dof": ("自由度", "df"),
    "item": ("题目", "Item"),
    "factor": ("因子", "Factor"),
    "loading": ("本维度载荷", "Loading on own factor"),
    "cross_loading": ("最大交叉载荷", "Largest cross-loading"),
    "loads_ok": ("归属正确", "Loads as declared"),
    "cr": ("组合信度CR", "Composite reliability"),
    "ave": ("平均提取方差AVE", "AVE"),
    "valid_ok": ("达标", "Acceptable"),
    "alpha_if_deleted": ("删除该题后α", "Alpha if deleted"),
    "raises": ("删除后α升高", "Alpha rises"),
    "high_importance": ("重要性高", "High importance"),
    "low_importance": ("重要性低", "Low importance"),
    "low_satisfaction": ("满意度低", "Low satisfaction"),
    "high_satisfaction": ("满意度高", "High satisfaction"),
    "sq_score": ("维度得分(仅感知)", "Score (perception only)"),
    "sq_perception": ("感知P", "Perception P"),
    "sq_expectation": ("期望E", "Expectation E"),
    "sq_gap": ("差距P−E", "Gap P − E"),
    "feature": ("功能/服务项", "Feature"),
    "kano_category": ("类别", "Category"),
    "better": ("Better", "Better"),
    "worse": ("Worse", "Worse"),
    "f_index": ("综合指数（有效问卷）", "Index (valid responses)"),
    "f_csat": ("CSAT（总体满意度题）", "CSAT (overall item)"),
    "f_nps": ("NPS（推荐意愿题）", "NPS (recommend item)"),
    "large": ("很大（不作修正）", "large (no correction)"),
    "nps_change": ("较上期变化", "Change vs previous"),
    # cleaning
    "c_responses": ("已完成问卷", "Completed responses"),
    "c_straightline": ("直线作答（剔除）", "Straight-lining (excluded)"),
    "c_speeder": ("作答过快（剔除）", "Too fast (excluded)"),
    "c_duplicate": ("同周期重复作答（剔除）", "Repeat in cycle (excluded)"),
    "c_excluded": ("剔除合计", "Excluded in all"),
    "c_kept": ("有效问卷", "Kept"),
    # statuses and flags
    "up": ("显著上升", "significantly up"),
    "down": ("显著下降", "significantly down"),
    "no_change": ("无显著变化", "no significant change"),
    "insufficient_sample": ("样本不足", "sample too small"),
    "no_baseline": ("无基准", "no baseline"),
    "low": ("偏低(<0.7)", "low (< 0.7)"),
    "zero_variance": ("无差异", "no variance"),
    "too_few_items": ("题数不足", "too few items"),
    "too_few_respondents": ("样本不足", "too few responses"),
    "yes": ("是", "yes"),
    # weight methods
    "w_ahp": ("专家打分（AHP）", "Expert (AHP)"),
    "w_regression": ("回归分析", "Regression"),
    "w_relative": ("相对重要性", "Relative importance"),
    "w_entropy": ("熵权法", "Entropy"),
    "w_stated": ("客户反馈", "Customer-stated"),
    "w_blend": ("组合权重", "Blend"),
    "w_equal": ("等权重", "Equal weights"),
    # roles
    "r_item": ("评分题", "rating"),
    "r_importance": ("重要性", "importance"),
    "r_overall": ("总体满意度", "overall"),
    "r_nps": ("推荐意愿(0–10)", "recommend (0–10)"),
    # notes
    "n_low_sample": (
        "本期有效样本 {n} 份，少于 {min_n} 份：与上期和基准的比较不作显著性判断。",
        "Only {n} valid responses this period (fewer than {min_n}): changes are not judged significant.",
    ),
    "n_prev_low_sample": (
        "上期有效样本 {n} 份，少于 {min_n} 份，与上期的比较仅供参考。",
        "The previous period had only {n} valid responses (fewer than {min_n}); the comparison is "
        "indicative.",
    ),
    "n_change_rule": (
        "变化判断：双方样本均≥{min_n}且差值的95%置信区间不含0时才判为显著。",
        "A change is called significant only when both samples have n ≥ {min_n} and the 95% CI of the "
        "difference excludes 0.",
    ),
    "n_incomplete": (
        "本期有 {missing} 个维度没有数据，指数按其余维度的权重重新归一计算。",
        "{missing} dimension(s) have no data this period; the index renormalises the other weights.",
    ),
    "n_cleaning": (
        "规则：评分题全部相同（≥{min_items}题）为直线作答；每题用时少于{seconds:g}秒为作答过快；"
        "同一客户同一周期多次作答只保留第一次。仅统计已完成问卷。",
        "Rules: identical answers to all rating items (≥ {min_items}) is straight-lining; under "
        "{seconds:g} s per answer is too fast; a customer's repeat in one period keeps the first. "
        "Completed responses only.",
    ),
    "n_weights_used": ("指数采用：{method}。", "The index uses: {method}."),
    "n_weights_window": (
        "数据驱动的权重基于趋势窗口内全部有效问卷（{n} 份）估计。",
        "Data-driven weights are estimated on all valid responses of the trend window ({n}).",
    ),
    "n_weight_missing": ("{method}：无法计算（{reason}）。", "{method}: not available ({reason})."),
    "n_weight_fallback": (
        "配置的权重方法「{wanted}」不可用，改用「{used}」。",
        "The configured weight method “{wanted}” is not available; “{used}” is used instead.",
    ),
    "n_ahp_cr": ("AHP 一致性比率 CR = {cr:.3f}{verdict}。", "AHP consistency ratio CR = {cr:.3f}{verdict}."),
    "n_ahp_ok": ("（<0.1，通过）", " (< 0.1, consistent)"),
    "n_ahp_bad": ("（≥0.1，未通过，不采用）", " (≥ 0.1, inconsistent: not used)"),
    "n_drivers_fit": (
        "驱动因素回归（总体满意度对各维度得分）：R² = {r2:.3f}，n = {n}。",
        "Driver regression (overall satisfaction on the dimension scores): R² = {r2:.3f}, n = {n}.",
    ),
    "n_drivers_dropped": (
        "不显著（p ≥ {alpha:g}）的驱动因素不参与回归和相对重要性权重：{names}"
        "（如需保留：tingjian report --keep-insignificant-drivers）。",
        "Drivers not significant at p < {alpha:g} get no regression or relative-importance weight: "
        "{names} (to keep them: tingjian report --keep-insignificant-drivers).",
    ),
    "n_drivers_kept": (
        "以下驱动因素不显著（p ≥ {alpha:g}），按设置仍参与权重：{names}。",
        "These drivers are not significant (p ≥ {alpha:g}) but are kept in the weights as configured: "
        "{names}.",
    ),
    "n_gbt_model": (
        "测评模型：各质量维度得分为其评价题（1–5 分）的均值；综合指数 = Σ 权重 ×（维度均值 − 1）/ 4 × 100；"
        "另以总体满意度题计 CSAT、以推荐意愿题（0–10）计 NPS。",
        "Model: a dimension's score is the mean of its rating items (1–5); the index is "
        "Σ weight × (dimension mean − 1) / 4 × 100; CSAT comes from the overall item and NPS from the "
        "0–10 recommend item.",
    ),
    "n_gbt_model_servqual": (
        "问卷含 {n} 道期望题，与对应的感知题配对计算服务质量差距（SERVQUAL）。",
        "The survey pairs {n} expectation item(s) with perception items for SERVQUAL gaps.",
    ),
    "n_gbt_model_kano": (
        "问卷含 {n} 组 Kano 正反向题，用于需求分类。",
        "The survey asks {n} Kano question pair(s) to categorise requirements.",
    ),
    "n_gbt_sampling": (
        "计划样本数按 Cochran 公式（比例 p = 0.5，置信度 {confidence:g}%，目标误差 ±{margin:g}%）计算，"
        "给定总体规模时作有限总体修正；实际误差为各指标实际样本数下比例的误差。",
        "The planned sample follows Cochran (p = 0.5, {confidence:g}% confidence, ±{margin:g}% target "
        "margin), with the finite-population correction when the population is given; achieved margins "
        "are those of a proportion at each figure's sample size.",
    ),
    "n_gbt_below_plan": (
        "本期有效样本 {n} 份，低于抽样方案的 {required} 份：误差为 ±{margin:.1f}%，大于目标的 ±{target:g}%。",
        "{n} valid responses this period, below the planned {required}: the margin of error is "
        "±{margin:.1f}%, wider than the target ±{target:g}%.",
    ),
    "n_gbt_unreachable": (
        "按预期回复率需发出 {invitations} 份邀请，超过总体规模 {population}：计划样本数无法达到。",
        "At the expected response rate {invitations} invitations are needed, more than the population "
        "of {population}: the planned sample cannot be reached.",
    ),
    "n_gbt_collection": (
        "本期已完成问卷 {responses} 份，清洗剔除 {excluded} 份，有效 {kept} 份（规则见「数据清洗」）。",
        "{responses} completed responses this period; cleaning excluded {excluded}, {kept} kept "
        "(rules under Data cleaning).",
    ),
    "n_gbt_version": (
        "效度分析使用本期作答最多的问卷版本 {version}（{n} 份）。",
        "Validity uses survey version {version}, answered by most responses this period ({n}).",
    ),
    "n_gbt_validity": (
        "KMO ≥ 0.6 且 Bartlett 检验 p < 0.05 适合因子分析；主成分提取、最大方差旋转，因子数 = 维度数；"
        "载荷 ≥ 0.5 且高于交叉载荷为归属正确；CR ≥ 0.7、AVE ≥ 0.5 为收敛效度达标。",
        "KMO ≥ 0.6 and Bartlett's p < 0.05 make the items factorable; principal components, varimax, "
        "one factor per dimension; a loading ≥ 0.5 above every cross-loading loads as declared; "
        "CR ≥ 0.7 and AVE ≥ 0.5 show convergent validity.",
    ),
    "n_gbt_misloaded": (
        "以下题目未归属其所声明的维度，建议修改或删除：{items}。",
        "These items do not load on their declared dimension; reword or drop them: {items}.",
    ),
    "n_gbt_validity_failed": ("效度分析无法进行：{reason}。", "Validity could not be computed: {reason}."),
    "v_too_few_items": ("评价题少于 2 道", "fewer than 2 rating items"),
    "v_too_few_responses": ("完整作答的问卷数不多于题数", "no more complete responses than items"),
    "v_constant": ("所有人对这些题的回答相同：{items}", "everyone gave the same answer to: {items}"),
    "v_singular": ("部分题目的回答完全线性相关", "some items are exact combinations of others"),
    "v_factors": ("因子数多于题数", "more factors than items"),
    "v_loadings": ("载荷无效", "invalid loadings"),
    "n_gbt_matrix": (
        "矩阵即「改进优先级」一节的重要性—表现分析（IPA），分界线为各维度的平均值。",
        "The matrix is the importance–performance analysis of Improvement priorities, split at the means.",
    ),
    "n_gbt_servqual": (
        "差距 = 感知 − 期望（负值表示未达期望）。SERVQUAL 总分：{overall:.2f}（各维度平均）；"
        "按指数权重（折合 100 分）加权：{weighted}。",
        "Gap = perception − expectation (negative: expectations not met). SERVQUAL score {overall:.2f} "
        "(mean of the dimensions); weighted by the index weights as 100 points: {weighted}.",
    ),
    "n_gbt_servqual_none": (
        "本期没有同时回答期望题和对应感知题的问卷。",
        "No response answered both an expectation item and its perception item this period.",
    ),
    "n_gbt_kano": (
        "A 魅力型、O 期望型、M 必备型、I 无差异型、R 反向型、Q 可疑结果；"
        "类别取出现最多者（并列时 M > O > A > I）。"
        "Better = (A + O)/(A + O + M + I)，Worse = −(O + M)/(A + O + M + I)。",
        "A attractive, O one-dimensional, M must-be, I indifferent, R reverse, Q questionable; the category "
        "is the most frequent (ties: M > O > A > I). Better = (A + O)/(A + O + M + I), "
        "Worse = −(O + M)/(A + O + M + I).",
    ),
    "n_gbt_nps": (
        "NPS 的 95% 置信区间按正态近似：方差 = ((p + d) − (p − d)²)/n（p 推荐者、d 贬损者占比）；"
        "两期之差的区间不含 0 且双方样本均 ≥ {min_n} 时才判为显著变化。",
        "NPS 95% intervals use the normal approximation, variance ((p + d) − (p − d)²)/n with p and d the "
        "promoter and detractor shares; a change is called significant only when both periods have "
        "n ≥ {min_n} and the interval of the difference excludes 0.",
    ),
    "n_alpha": ("α ≥ 0.7 视为内部一致性可接受。", "Alpha ≥ 0.7 counts as acceptable internal consistency."),
    "n_rates": (
        "投诉率分母：本期已完成问卷 {responses} 份；活跃客户 {customers} 名（本期作答或投诉的客户）。",
        "Rate denominators: {responses} completed responses; {customers} active customers (answered "
        "or complained this period).",
    ),
    "n_sla": (
        "处理时限（按严重程度）：{sla}。时限内解决率 = 时限内解决 /（已解决 + 已超时未结）。",
        "SLA by severity: {sla}. Within-SLA share = resolved in time / (resolved + open past SLA).",
    ),
    "n_overdue_total": (
        "当前超时未结工单共 {n} 张（含往期）。",
        "{n} open tickets are past their SLA (all periods).",
    ),
    "n_keywords_filtered": (
        "已过滤 {n} 个疑似个人信息的关键词（电话、邮箱、人名）。",
        "{n} keyword(s) that looked like personal data (phone, e-mail, name) were left out.",
    ),
    "n_correlation": (
        "按周期计算（{n} 个周期，至少需要 3 个）；相关不代表因果。",
        "Computed across periods ({n}; at least 3 needed); correlation is not causation.",
    ),
    "n_ipa_importance": ("重要性取自：{source}。", "Importance from: {source}."),
    "n_ipa_crosshair": (
        "象限中的「较高」「较低」以各维度平均为界（表现 {performance}，重要性 {importance}）；"
        "排名还计入投诉、趋势、成本与可行性，见理由。",
        "“Higher”/“lower” in the quadrants are against the mean of the dimensions (performance "
        "{performance}, importance {importance}); the ranking also weighs complaints, trend, cost and "
        "feasibility (see Why).",
    ),
    "n_ipa_stated": ("客户自评重要性（1–5）", "customer-stated importance (1–5)"),
    "n_ipa_weights": ("指数权重（无客户自评数据）", "index weights (no stated importance)"),
    "n_no_data_trend": ("趋势中无数据的周期保留为空。", "Periods without data stay empty in the trend."),
    # follow-up cases after low ratings (好差评)
    "s_follow_ups": ("差评回访（好差评）", "Follow-up of low ratings"),
    "cases": ("回访单", "Cases"),
    "revisit_judged": ("应回访", "Revisits due"),
    "revisited_on_time": ("按时回访", "Revisited on time"),
    "recovery_rate": ("差评按时回访率", "Recovery rate"),
    "fix_judged": ("应整改", "Fixes due"),
    "fixed_on_time": ("按时整改", "Fixed on time"),
    "fix_on_time_rate": ("按时整改率", "Fixed on time"),
    "rerated": ("复评数", "Re-rated"),
    "rating_before_mean": ("原评分均值", "Rating before (mean)"),
    "rerating_mean": ("复评均值", "Re-rating (mean)"),
    "rerating_change": ("复评变化", "Change on re-rating"),
    "improved_share": ("复评提高占比", "Re-rated higher"),
    "late": ("逾期环节", "Late"),
    "late_revisit": ("回访", "revisit"),
    "late_fix": ("整改", "fix"),
    "due": ("期限（当日结束）", "Due (end of day)"),
    "reason_responses": ("选择的问卷数", "Responses picking it"),
    "picks": ("选择次数", "Picks"),
    "reason_picks": ("差评原因选择", "Low-rating reasons"),
    "n_follow_ups": (
        "总体评分低时自动开立回访单，限期回访、整改（按工作日计）。差评按时回访率 = 期限内回访 / "
        "（已回访 + 已到期未回访）；按时整改率同理；复评变化 = 复评分 − 原评分（只计已复评的回访单）。",
        "A low overall rating opens a case by itself, due for a revisit and a fix within working-day "
        "deadlines. Recovery rate = revisited by the deadline / (revisited + past the deadline unrevisited); "
        "fixed on time likewise; change on re-rating = re-rating − the low rating (re-rated cases only).",
    ),
    "n_reasons": (
        "客户在低分后选择的原因，按四类服务短板统计（可多选）；也计入投诉类别分布的「差评原因选择」列。",
        "Reasons customers picked after a low rating, by the four shortfall categories (several "
        "allowed); also shown in the complaint category table as 'Low-rating reasons'.",
    ),
    "n_overdue_cases": (
        "当前逾期未结的回访单共 {n} 张（含往期）。",
        "{n} open cases are past a deadline (all periods).",
    ),
}

SEVERITY_TEXT: Final = {"high": ("高", "high"), "medium": ("中", "medium"), "low": ("低", "low")}


def t(key: str, lang: str, **values: Any) -> str:
    """The label ``key`` in ``lang``, with ``values`` filled into its placeholders."""
    zh, en = TEXT[key]
    text = zh if lang == "zh" else en
    return text.format(**values) if values else text


def present(value: object) -> bool:
    """Whether a cell holds a value (not None, NaN or pd.NA)."""
    return value is not None and not (isinstance(value, float) and math.isnan(value)) and value is not pd.NA


def dimension_label(key: object, lang: str) -> str:
    """A dimension's name in ``lang`` (the key itself if unknown, an em dash if missing)."""
    return DIMENSION_LABELS.get(str(key), {}).get(lang, str(key)) if present(key) else "—"


def question_label(key: object, texts: Mapping[str, Mapping[str, str]], lang: str) -> str:
    """A question's wording in ``lang`` from ``texts`` (the key itself when its wording is unknown)."""
    return texts.get(str(key), {}).get(lang) or str(key)


def category_label(key: object, lang: str) -> str:
    """A complaint category's name in ``lang`` (the key itself if unknown, an em dash if missing)."""
    return CATEGORY_LABELS.get(str(key), {}).get(lang, str(key)) if present(key) else "—"


def severity_label(key: object, lang: str) -> str:
    """A complaint severity in ``lang`` (the key itself if unknown)."""
    pair = SEVERITY_TEXT.get(str(key))
    return str(key) if pair is None else (pair[0] if lang == "zh" else pair[1])
