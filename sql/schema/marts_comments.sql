-- Column and table comments for the marts (English / 中文), readable in DBeaver, `duckdb_columns()`
-- and `duckdb_tables()`. Runs on every connection after schema/marts.sql: COMMENT ON is
-- idempotent. Rules for this file: one statement per line, ending with a semicolon at the end of
-- the line, no semicolon, dollar sign or double dash inside a comment string, single quotes
-- doubled. tests/test_comments.py fails when a marts column has no bilingual comment.

-- marts.agent_daily_metrics ------------------------------------------------------------------
COMMENT ON TABLE marts.agent_daily_metrics IS 'Grain: one row per shop day x employee on the roster that day (with or without chats). Daily service and sales metrics / 粒度：每个店铺日 x 当天在职员工一行（无论是否有聊天），客服每日服务与销售指标';
COMMENT ON COLUMN marts.agent_daily_metrics.day IS 'Shop-local day (Asia/Shanghai) / 店铺日期（北京时间）';
COMMENT ON COLUMN marts.agent_daily_metrics.employee_id IS 'Employee id from the roster / 员工编号（花名册）';
COMMENT ON COLUMN marts.agent_daily_metrics.name IS 'Employee name / 员工姓名';
COMMENT ON COLUMN marts.agent_daily_metrics.level IS 'Level held that day (sets the base salary), from the roster row that started last / 当天职级（决定底薪），取当天生效且最晚开始的花名册行';
COMMENT ON COLUMN marts.agent_daily_metrics.role IS 'Role that day: presale or aftersale (selects the KPI lines) / 当天岗位：售前 presale 或售后 aftersale（决定KPI考核项）';
COMMENT ON COLUMN marts.agent_daily_metrics.accounts IS 'The employee''s chat sub-accounts that day, comma-separated / 当天使用的旺旺子账号，逗号分隔';
COMMENT ON COLUMN marts.agent_daily_metrics.is_promo_day IS 'True on a promotion day (e.g. 双11, 618) from config/calendar.yaml / 是否大促日（如双11、618，见活动日历）';
COMMENT ON COLUMN marts.agent_daily_metrics.consulted_buyers IS 'Consulted buyers: distinct buyers who sent the employee''s accounts a message / 咨询人数：当天给该员工账号发过消息的去重买家数';
COMMENT ON COLUMN marts.agent_daily_metrics.received_buyers IS 'Received buyers: consulted buyers who got at least one human reply / 接待人数：得到至少一次人工回复的咨询买家数';
COMMENT ON COLUMN marts.agent_daily_metrics.reply_rate IS 'Reply rate = received_buyers / consulted_buyers (for reading, KPI uses the counts) / 回复率 = 接待人数 / 咨询人数（仅供阅读，KPI按分子分母计算）';
COMMENT ON COLUMN marts.agent_daily_metrics.answered_waits IS 'Answered buyer waits that started in service hours / 服务时间内开始且得到回复的买家等待次数';
COMMENT ON COLUMN marts.agent_daily_metrics.answered_wait_seconds IS 'Total seconds of the answered waits in service hours / 服务时间内已回复等待的总秒数';
COMMENT ON COLUMN marts.agent_daily_metrics.avg_response_seconds IS 'Average response time, seconds = answered_wait_seconds / answered_waits / 平均响应时长（秒）= 等待总秒数 / 已回复等待次数';
COMMENT ON COLUMN marts.agent_daily_metrics.unanswered_waits IS 'Buyer waits in service hours that never got a human reply / 服务时间内未得到人工回复的等待次数';
COMMENT ON COLUMN marts.agent_daily_metrics.first_responses IS 'Sessions whose first wait started in service hours and was answered / 首次等待在服务时间内开始且得到回复的会话数';
COMMENT ON COLUMN marts.agent_daily_metrics.first_response_seconds_total IS 'Total seconds of those first waits / 这些会话首次等待的总秒数';
COMMENT ON COLUMN marts.agent_daily_metrics.first_response_seconds IS 'First response time, seconds = first_response_seconds_total / first_responses / 首次响应时长（秒）= 首次等待总秒数 / 首次响应次数';
COMMENT ON COLUMN marts.agent_daily_metrics.slow_responses IS 'Slow responses: waits in service hours answered later than the plan''s slow_response_seconds (千牛 threshold) / 慢响应次数：服务时间内回复慢于方案阈值（千牛慢响应秒数）的等待';
COMMENT ON COLUMN marts.agent_daily_metrics.agent_messages IS 'Human messages sent by the employee''s accounts (auto-replies excluded) / 客服人工发送消息数（不含自动回复）';
COMMENT ON COLUMN marts.agent_daily_metrics.buyer_messages IS 'Messages sent by buyers to the employee''s accounts / 买家发送消息数';
COMMENT ON COLUMN marts.agent_daily_metrics.qa_ratio IS 'Answer-to-question ratio = agent_messages / buyer_messages / 答问比 = 客服消息数 / 买家消息数';
COMMENT ON COLUMN marts.agent_daily_metrics.inquiry_buyers IS 'Inquiry buyers: received buyers with no paid order in the shop in the 15 days before their first message of the day (others are after-sale) / 询单人数：接待买家中首条消息前15天内在本店无付款订单者（其余视为售后咨询）';
COMMENT ON COLUMN marts.agent_daily_metrics.converted_buyers IS 'Inquiry buyers with a paid order credited to the employee from this day (下单优先 attribution) / 询单后付款人数：当天询单且有付款订单归属该员工的买家数（下单优先判定）';
COMMENT ON COLUMN marts.agent_daily_metrics.inquiry_conversion IS 'Inquiry to final payment conversion = converted_buyers / inquiry_buyers, provisional until the attribution window closes / 询单→最终付款转化率 = 询单付款人数 / 询单人数，归属窗口结束前为暂定值';
COMMENT ON COLUMN marts.agent_daily_metrics.credited_orders IS 'Paid orders credited to the employee from this day / 当天归属该员工的付款订单数';
COMMENT ON COLUMN marts.agent_daily_metrics.sales IS 'Agent sales, CNY: amount of the paid orders credited from this day / 客服销售额（元）：当天归属该员工的付款订单金额';
COMMENT ON COLUMN marts.agent_daily_metrics.aov IS 'Average order value per converted buyer, CNY = sales / converted_buyers / 客单价（元）= 客服销售额 / 询单付款人数';
COMMENT ON COLUMN marts.agent_daily_metrics.refunded_amount IS 'Successfully refunded amount (退款成功) on the credited orders, CNY / 归属订单的退款成功金额（元）';
COMMENT ON COLUMN marts.agent_daily_metrics.refund_rate IS 'Refund rate = refunded_amount / sales / 退款率 = 退款成功金额 / 客服销售额';
COMMENT ON COLUMN marts.agent_daily_metrics.ratings IS 'Buyer satisfaction ratings received that day / 当天收到的买家评价数';
COMMENT ON COLUMN marts.agent_daily_metrics.satisfied_ratings IS 'Ratings of 4 or 5 / 满意评价数（4分或5分）';
COMMENT ON COLUMN marts.agent_daily_metrics.satisfaction IS 'Customer satisfaction rate = satisfied_ratings / ratings / 客户满意率 = 满意评价数 / 评价总数';
COMMENT ON COLUMN marts.agent_daily_metrics.plan_version IS 'Pay plan version that produced the row (config/plan.yaml id) / 生成该行的绩效方案版本号';
COMMENT ON COLUMN marts.agent_daily_metrics.answered_wait_seconds_squared IS 'Sum of the squared seconds of the answered waits in service hours, for the spread of the average response (NULL: computed before the column existed) / 服务时间内已回复等待秒数的平方和，用于平均响应时长的离散程度（NULL：该列加入前计算）';
COMMENT ON COLUMN marts.agent_daily_metrics.first_response_seconds_squared IS 'Sum of the squared seconds of the first waits, for the spread of the first response (NULL: computed before the column existed) / 首次等待秒数的平方和，用于首次响应时长的离散程度（NULL：该列加入前计算）';

-- marts.shop_daily_sales -----------------------------------------------------------------------
COMMENT ON TABLE marts.shop_daily_sales IS 'Grain: one row per shop day (by order creation day). Paid sales split into credited and silent / 粒度：每个店铺日一行（按下单日），付款销售额拆分为客服销售额与静默销售额';
COMMENT ON COLUMN marts.shop_daily_sales.day IS 'Shop-local day the orders were created / 下单日期（北京时间）';
COMMENT ON COLUMN marts.shop_daily_sales.paid_orders IS 'Paid orders created that day / 当天下单且已付款的订单数';
COMMENT ON COLUMN marts.shop_daily_sales.sales IS 'Shop sales, CNY: amount of those paid orders / 全店销售额（元）：当天付款订单金额';
COMMENT ON COLUMN marts.shop_daily_sales.credited_sales IS 'Sales credited to an agent (客服销售额), CNY / 客服销售额（元）：归属客服的付款金额';
COMMENT ON COLUMN marts.shop_daily_sales.silent_orders IS 'Silent orders: paid with no human reply within the attribution window / 静默下单数：归属窗口内无人工回复的付款订单';
COMMENT ON COLUMN marts.shop_daily_sales.silent_sales IS 'Silent sales, CNY: amount of the silent orders / 静默销售额（元）';
COMMENT ON COLUMN marts.shop_daily_sales.is_promo_day IS 'True on a promotion day / 是否大促日';
COMMENT ON COLUMN marts.shop_daily_sales.plan_version IS 'Pay plan version that produced the row / 生成该行的绩效方案版本号';
COMMENT ON COLUMN marts.shop_daily_sales.chat_matched_orders IS 'Paid orders whose buyer wrote to the shop (any account) that day or in the attribution window''s days before, matched on the buyer id where both exports carry one, else on the nick; a masked nick (t******7) matches nothing / 买家当天或归属窗口内此前几天咨询过店铺（任一客服账号）的付款订单数（两边都有买家ID时按ID匹配，否则按昵称；打码昵称如t******7不参与匹配）';
COMMENT ON COLUMN marts.shop_daily_sales.chat_match_rate IS 'Chat-to-order match rate = chat_matched_orders / paid_orders (NULL without paid orders); near 0 means orders and chats do not share buyer keys (masked nicks, no buyer id), so conversion reads 0 / 聊天-订单匹配率 = 匹配到聊天的付款订单数 / 付款订单数（无付款订单时为空）；接近0说明订单与聊天的买家无法对应（昵称打码且无买家ID），询单转化率因此为0';

-- marts.unmapped_accounts ----------------------------------------------------------------------
COMMENT ON TABLE marts.unmapped_accounts IS 'Grain: one row per shop day x chat account that no roster row maps that day (its chats count for nobody) / 粒度：每个店铺日 x 当天花名册中无对应员工的聊天子账号一行（这些聊天不计入任何人）';
COMMENT ON COLUMN marts.unmapped_accounts.day IS 'Shop-local day of the messages / 消息日期（北京时间）';
COMMENT ON COLUMN marts.unmapped_accounts.account IS 'Chat sub-account missing from the roster / 未在花名册中的旺旺子账号';
COMMENT ON COLUMN marts.unmapped_accounts.messages IS 'All messages on the account that day (buyer and agent) / 当天该账号的消息总数（买家与客服）';
COMMENT ON COLUMN marts.unmapped_accounts.buyers IS 'Distinct buyers in those chats / 涉及的去重买家数';
COMMENT ON COLUMN marts.unmapped_accounts.agent_messages IS 'Messages sent by the account (agent side) / 该账号发送的客服消息数';

-- marts.agent_monthly_metrics ------------------------------------------------------------------
COMMENT ON TABLE marts.agent_monthly_metrics IS 'Grain: one row per month x employee on the roster on any day of the month. Rates are ratios of summed numerators and denominators, promotion days left out of the plan''s excluded metrics / 粒度：每月 x 当月任一天在职员工一行，比率为分子分母月度合计之比，方案指定指标剔除大促日';
COMMENT ON COLUMN marts.agent_monthly_metrics.month IS 'Month, as its first day / 月份（以当月1日表示）';
COMMENT ON COLUMN marts.agent_monthly_metrics.employee_id IS 'Employee id from the roster / 员工编号（花名册）';
COMMENT ON COLUMN marts.agent_monthly_metrics.name IS 'Employee name / 员工姓名';
COMMENT ON COLUMN marts.agent_monthly_metrics.level IS 'Level held on the employee''s last employed day of the month / 当月最后在职日的职级';
COMMENT ON COLUMN marts.agent_monthly_metrics.role IS 'Role on the last employed day: presale or aftersale / 当月最后在职日的岗位：售前或售后';
COMMENT ON COLUMN marts.agent_monthly_metrics.days_employed IS 'Days on the roster in the month / 当月在职天数';
COMMENT ON COLUMN marts.agent_monthly_metrics.promo_days IS 'Employed days inside a promotion period / 在职天数中的大促天数';
COMMENT ON COLUMN marts.agent_monthly_metrics.promo_excluded_metrics IS 'Metrics the promotion days were left out of, comma-separated (NULL: none) / 剔除大促日数据的指标，逗号分隔（空表示无）';
COMMENT ON COLUMN marts.agent_monthly_metrics.consulted_buyers IS 'Consulted buyers, summed over the month''s days / 咨询人数（按日合计）';
COMMENT ON COLUMN marts.agent_monthly_metrics.received_buyers IS 'Received buyers, summed over the month''s days / 接待人数（按日合计）';
COMMENT ON COLUMN marts.agent_monthly_metrics.reply_rate IS 'Reply rate = received_buyers / consulted_buyers / 回复率 = 接待人数 / 咨询人数';
COMMENT ON COLUMN marts.agent_monthly_metrics.answered_waits IS 'Answered buyer waits in service hours / 服务时间内已回复的等待次数';
COMMENT ON COLUMN marts.agent_monthly_metrics.answered_wait_seconds IS 'Total seconds of the answered waits / 已回复等待的总秒数';
COMMENT ON COLUMN marts.agent_monthly_metrics.avg_response_seconds IS 'Average response time, seconds = answered_wait_seconds / answered_waits / 平均响应时长（秒）';
COMMENT ON COLUMN marts.agent_monthly_metrics.unanswered_waits IS 'Buyer waits in service hours with no human reply / 服务时间内未回复的等待次数';
COMMENT ON COLUMN marts.agent_monthly_metrics.first_responses IS 'Sessions whose first wait was in service hours and answered / 首次等待在服务时间内且已回复的会话数';
COMMENT ON COLUMN marts.agent_monthly_metrics.first_response_seconds_total IS 'Total seconds of those first waits / 首次等待总秒数';
COMMENT ON COLUMN marts.agent_monthly_metrics.first_response_seconds IS 'First response time, seconds = first_response_seconds_total / first_responses / 首次响应时长（秒）';
COMMENT ON COLUMN marts.agent_monthly_metrics.slow_responses IS 'Slow responses: waits answered later than the plan''s threshold / 慢响应次数';
COMMENT ON COLUMN marts.agent_monthly_metrics.slow_rate_waits IS 'Answered waits the slow-response rate is taken over (its denominator) / 慢响应率的分母：已回复等待次数';
COMMENT ON COLUMN marts.agent_monthly_metrics.slow_response_rate IS 'Slow-response rate = slow_responses / slow_rate_waits / 慢响应率 = 慢响应次数 / 已回复等待次数';
COMMENT ON COLUMN marts.agent_monthly_metrics.agent_messages IS 'Human messages sent by the employee''s accounts / 客服人工发送消息数';
COMMENT ON COLUMN marts.agent_monthly_metrics.buyer_messages IS 'Messages sent by buyers / 买家发送消息数';
COMMENT ON COLUMN marts.agent_monthly_metrics.qa_ratio IS 'Answer-to-question ratio = agent_messages / buyer_messages / 答问比';
COMMENT ON COLUMN marts.agent_monthly_metrics.inquiry_buyers IS 'Inquiry buyers (pre-sale inquiries), summed over the days / 询单人数（按日合计）';
COMMENT ON COLUMN marts.agent_monthly_metrics.converted_buyers IS 'Inquiry buyers who paid an order credited to the employee / 询单后付款人数';
COMMENT ON COLUMN marts.agent_monthly_metrics.inquiry_conversion IS 'Inquiry to final payment conversion = converted_buyers / inquiry_buyers / 询单→最终付款转化率';
COMMENT ON COLUMN marts.agent_monthly_metrics.credited_orders IS 'Paid orders credited to the employee (also the refund-rate sample) / 归属该员工的付款订单数（亦为退款率样本量）';
COMMENT ON COLUMN marts.agent_monthly_metrics.sales IS 'Agent sales, CNY: credited paid orders, all days / 客服销售额（元），含全部天数';
COMMENT ON COLUMN marts.agent_monthly_metrics.aov IS 'Average order value per converted buyer, CNY = sales of the days converted_buyers counts (promotion days left out with inquiry_conversion) / converted_buyers / 客单价（元）= 同口径天数的客服销售额 / 询单付款人数';
COMMENT ON COLUMN marts.agent_monthly_metrics.refunded_amount IS 'Successfully refunded amount on the credited orders, CNY / 退款成功金额（元）';
COMMENT ON COLUMN marts.agent_monthly_metrics.refund_rate_sales IS 'Sales the refund rate is taken over (its denominator), CNY / 退款率的分母：计入的客服销售额（元）';
COMMENT ON COLUMN marts.agent_monthly_metrics.refund_rate IS 'Refund rate = refunded_amount / refund_rate_sales / 退款率 = 退款成功金额 / 计入销售额';
COMMENT ON COLUMN marts.agent_monthly_metrics.ratings IS 'Buyer satisfaction ratings / 买家评价数';
COMMENT ON COLUMN marts.agent_monthly_metrics.satisfied_ratings IS 'Ratings of 4 or 5 / 满意评价数（4分或5分）';
COMMENT ON COLUMN marts.agent_monthly_metrics.satisfaction IS 'Customer satisfaction rate = satisfied_ratings / ratings / 客户满意率';
COMMENT ON COLUMN marts.agent_monthly_metrics.plan_version IS 'Pay plan version in force on the month''s first day / 当月1日生效的绩效方案版本号';
COMMENT ON COLUMN marts.agent_monthly_metrics.answered_wait_seconds_squared IS 'Sum of the squared seconds of the answered waits (the days avg_response_seconds counts), for its 95% interval on the statement; NULL when one of those days was computed before the column existed / 已回复等待秒数的平方和（与平均响应时长同口径），用于工资单上的95%区间；若某天在该列加入前计算则为NULL';
COMMENT ON COLUMN marts.agent_monthly_metrics.first_response_seconds_squared IS 'Sum of the squared seconds of the first waits (the days first_response_seconds counts), for its 95% interval on the statement; NULL when one of those days was computed before the column existed / 首次等待秒数的平方和（与首次响应时长同口径），用于工资单上的95%区间；若某天在该列加入前计算则为NULL';

-- marts.kpi_lines ------------------------------------------------------------------------------
COMMENT ON TABLE marts.kpi_lines IS 'Grain: one row per month x employee x KPI line of the plan for the employee''s role. Value, sample, weight, points, status / 粒度：每月 x 员工 x KPI考核项一行：指标值、样本量、权重、得分、状态';
COMMENT ON COLUMN marts.kpi_lines.month IS 'Month, as its first day / 月份（以当月1日表示）';
COMMENT ON COLUMN marts.kpi_lines.employee_id IS 'Employee id / 员工编号';
COMMENT ON COLUMN marts.kpi_lines.role IS 'Role whose KPI lines apply: presale or aftersale / 适用考核项的岗位：售前或售后';
COMMENT ON COLUMN marts.kpi_lines.metric IS 'Metric scored, a column name of marts.agent_monthly_metrics (e.g. inquiry_conversion) / 考核指标名（对应月度指标表的列，如询单转化率 inquiry_conversion）';
COMMENT ON COLUMN marts.kpi_lines.value IS 'Metric value = numerator / denominator, exact, rounded to 6 decimals for reading (NULL: no data) / 指标值 = 分子 / 分母，精确计算后保留6位小数（空表示无数据）';
COMMENT ON COLUMN marts.kpi_lines.numerator IS 'The month''s numerator of the metric / 指标当月分子';
COMMENT ON COLUMN marts.kpi_lines.denominator IS 'The month''s denominator of the metric / 指标当月分母';
COMMENT ON COLUMN marts.kpi_lines.sample IS 'Sample size the line is judged on (e.g. inquiry buyers, ratings) / 样本量（如询单人数、评价数）';
COMMENT ON COLUMN marts.kpi_lines.min_sample IS 'Minimum sample, below it the line is N/A / 最小样本量，低于则该项不考核（N/A）';
COMMENT ON COLUMN marts.kpi_lines.worst IS 'Value scoring 0 points (the plan''s worst) / 得0分的指标值（方案下限）';
COMMENT ON COLUMN marts.kpi_lines.best IS 'Value scoring full points (the plan''s best) / 得满分的指标值（方案上限）';
COMMENT ON COLUMN marts.kpi_lines.weight IS 'The plan''s weight of the line, lines of a role sum to 100 / 方案权重，同一岗位各项合计100';
COMMENT ON COLUMN marts.kpi_lines.effective_weight IS 'Weight used, scaled up when other lines are N/A so scored weights sum to 100 (NULL when N/A) / 实际权重：其他项N/A时按比例放大使合计100（本项N/A时为空）';
COMMENT ON COLUMN marts.kpi_lines.achieved IS 'Share achieved = clamp((value - worst) / (best - worst), 0, 1), 6 decimals / 达成率 = (指标值 - 下限) / (上限 - 下限)，限制在0到1之间';
COMMENT ON COLUMN marts.kpi_lines.points IS 'Points = effective_weight x achieved, rounded half-up to 4 decimals (NULL when N/A) / 得分 = 实际权重 x 达成率，四舍五入保留4位小数（N/A时为空）';
COMMENT ON COLUMN marts.kpi_lines.status IS 'scored, or n/a (no data or sample under min_sample) / 状态：scored 已考核，n/a 不考核（无数据或样本不足）';
COMMENT ON COLUMN marts.kpi_lines.note IS 'Why the line is N/A or how its weight was scaled (empty otherwise) / 说明：N/A原因或权重放大说明（否则为空）';
COMMENT ON COLUMN marts.kpi_lines.plan_version IS 'Pay plan version that scored the line / 计算该项的绩效方案版本号';
COMMENT ON COLUMN marts.kpi_lines.run_id IS 'Dagster run id that wrote the row / 写入该行的Dagster运行编号';

-- marts.kpi_monthly ----------------------------------------------------------------------------
COMMENT ON TABLE marts.kpi_monthly IS 'Grain: one row per month x employee. KPI score, bonus tier, flags / 粒度：每月 x 员工一行：KPI得分、奖金档位、标记';
COMMENT ON COLUMN marts.kpi_monthly.month IS 'Month, as its first day / 月份（以当月1日表示）';
COMMENT ON COLUMN marts.kpi_monthly.employee_id IS 'Employee id / 员工编号';
COMMENT ON COLUMN marts.kpi_monthly.name IS 'Employee name / 员工姓名';
COMMENT ON COLUMN marts.kpi_monthly.level IS 'Level on the last employed day of the month / 当月最后在职日的职级';
COMMENT ON COLUMN marts.kpi_monthly.role IS 'Role: presale or aftersale / 岗位：售前或售后';
COMMENT ON COLUMN marts.kpi_monthly.line_points IS 'Sum of the KPI lines'' points / 各KPI考核项得分之和';
COMMENT ON COLUMN marts.kpi_monthly.qa_points IS 'Quality-inspection points added or deducted (qa_points adjustments) / 质检加减分';
COMMENT ON COLUMN marts.kpi_monthly.kpi_score IS 'KPI score = line_points + qa_points, clamped to 0..100, rounded half-up to 2 decimals (NULL: no line had data) / KPI得分 = 考核项得分 + 质检分，限制在0到100，四舍五入保留2位小数（空表示无任何数据）';
COMMENT ON COLUMN marts.kpi_monthly.tier_min_score IS 'Minimum score of the bonus tier reached / 所达奖金档位的最低分';
COMMENT ON COLUMN marts.kpi_monthly.tier_base IS 'Bonus base of the tier, CNY (e.g. 3000 at 90 and above) / 奖金基数（元），如90分及以上为3000';
COMMENT ON COLUMN marts.kpi_monthly.flags IS 'Review flags, semicolon-joined (empty: none), e.g. no KPI line had data, score clamped / 复核标记（为空表示无），如无考核数据、得分被截断';
COMMENT ON COLUMN marts.kpi_monthly.plan_version IS 'Pay plan version that scored the month / 计算该月的绩效方案版本号';
COMMENT ON COLUMN marts.kpi_monthly.run_id IS 'Dagster run id that wrote the row / 写入该行的Dagster运行编号';

-- marts.payroll_lines --------------------------------------------------------------------------
COMMENT ON TABLE marts.payroll_lines IS 'Grain: one row per month x employee x pay line. Kind, quantity, rate, amount, explanation, gross_pay of marts.payroll is their sum / 粒度：每月 x 员工 x 工资明细行：类型、数量、单价、金额、说明，工资表应发工资为其合计';
COMMENT ON COLUMN marts.payroll_lines.month IS 'Month, as its first day / 月份（以当月1日表示）';
COMMENT ON COLUMN marts.payroll_lines.employee_id IS 'Employee id / 员工编号';
COMMENT ON COLUMN marts.payroll_lines.line_no IS 'Line number within the employee-month, from 1 / 该员工当月明细行号，从1开始';
COMMENT ON COLUMN marts.payroll_lines.kind IS 'base_salary, bonus or adjustment / 类型：base_salary 底薪，bonus 绩效奖金，adjustment 调整';
COMMENT ON COLUMN marts.payroll_lines.quantity IS 'Days for prorated lines (days at the level, or employed days for the bonus), 1 for adjustments / 数量：按天折算行为天数（该职级在职天数或奖金在职天数），调整行为1';
COMMENT ON COLUMN marts.payroll_lines.rate IS 'Monthly base salary of the level, the tier''s bonus base, or the adjustment, CNY / 单价（元）：职级月底薪、档位奖金基数或调整金额';
COMMENT ON COLUMN marts.payroll_lines.amount IS 'Amount, CNY, rounded half-up to the cent on its own / 金额（元），单行四舍五入到分';
COMMENT ON COLUMN marts.payroll_lines.explanation IS 'How the amount was computed, in words / 金额计算说明';
COMMENT ON COLUMN marts.payroll_lines.plan_version IS 'Pay plan version that produced the line / 生成该行的绩效方案版本号';
COMMENT ON COLUMN marts.payroll_lines.run_id IS 'Dagster run id that wrote the row / 写入该行的Dagster运行编号';

-- marts.payroll --------------------------------------------------------------------------------
COMMENT ON TABLE marts.payroll IS 'Grain: one row per month x employee. The payroll, gross_pay = sum of the employee-month''s payroll_lines / 粒度：每月 x 员工一行，工资表，应发工资 = 该员工当月工资明细之和';
COMMENT ON COLUMN marts.payroll.employee_id IS 'Employee id / 员工编号';
COMMENT ON COLUMN marts.payroll.name IS 'Employee name / 员工姓名';
COMMENT ON COLUMN marts.payroll.month IS 'Month, as its first day / 月份（以当月1日表示）';
COMMENT ON COLUMN marts.payroll.level IS 'Level on the last employed day of the month / 当月最后在职日的职级';
COMMENT ON COLUMN marts.payroll.role IS 'Role: presale or aftersale / 岗位：售前或售后';
COMMENT ON COLUMN marts.payroll.days_employed IS 'Days on the roster in the month, the proration basis of base salary and bonus / 当月在职天数，底薪与奖金的折算依据';
COMMENT ON COLUMN marts.payroll.base_salary IS 'Base salary, CNY: sum of the base_salary lines, prorated by days at each level / 底薪（元）：按各职级在职天数折算的底薪行之和';
COMMENT ON COLUMN marts.payroll.kpi_score IS 'KPI score out of 100 (NULL: no KPI data, status review) / KPI得分（满分100，空表示无数据需复核）';
COMMENT ON COLUMN marts.payroll.tier_base IS 'Bonus base of the tier reached, CNY / 奖金基数（元）';
COMMENT ON COLUMN marts.payroll.bonus IS 'Bonus, CNY = tier_base x kpi_score / 100, prorated by days employed / 绩效奖金（元）= 奖金基数 x KPI得分 / 100，按在职天数折算';
COMMENT ON COLUMN marts.payroll.adjustments IS 'Sum of the pay adjustment lines, CNY (may be negative) / 调整金额合计（元，可为负）';
COMMENT ON COLUMN marts.payroll.gross_pay IS 'Gross pay for the month, CNY: the sum of the employee-month''s payroll_lines / 应发工资（元），等于该员工当月工资明细之和';
COMMENT ON COLUMN marts.payroll.plan_version IS 'Pay plan version in force on the month''s first day / 当月1日生效的绩效方案版本号';
COMMENT ON COLUMN marts.payroll.status IS 'ok, or review (no KPI score, to be checked by hand) / 状态：ok 正常，review 需人工复核（无KPI得分）';
COMMENT ON COLUMN marts.payroll.run_id IS 'Dagster run id that wrote the row / 写入该行的Dagster运行编号';

-- marts.month_status ----------------------------------------------------------------------------
COMMENT ON TABLE marts.month_status IS 'Grain: one row per computed month. final when every day of the month has an export loaded for every source (or is marked shop_closed in calendar.yaml) and the attribution window of its last day has closed; else provisional / 粒度：每个已计算月份一行。当月每天每类导出均已加载（或在 calendar.yaml 中标记为 shop_closed）且最后一天的归因窗口已关闭时为 final，否则为 provisional（暂定）';
COMMENT ON COLUMN marts.month_status.month IS 'The month (its first day) / 月份（当月1日）';
COMMENT ON COLUMN marts.month_status.status IS 'final or provisional; a provisional payroll is never closed / final（最终）或 provisional（暂定）；暂定工资表不可关账';
COMMENT ON COLUMN marts.month_status.missing_exports IS 'Days x sources of the month with no export loaded / 当月缺少导出的（天 x 数据源）个数';
COMMENT ON COLUMN marts.month_status.window_closes IS 'First day on which no order can still be credited to the month (last day + window_days + 1) / 不再有订单可归因到当月的第一天（最后一天 + 归因窗口天数 + 1）';
COMMENT ON COLUMN marts.month_status.reasons IS 'Why the month is provisional: missing days per source, the open window / 暂定原因：各数据源缺少的日期、未关闭的归因窗口';
COMMENT ON COLUMN marts.month_status.run_id IS 'Dagster run that computed it / 计算它的 Dagster 运行 ID';

-- marts.closed_months ---------------------------------------------------------------------------
COMMENT ON TABLE marts.closed_months IS 'Grain: one row per closed month (kefu close). A closed month''s marts rows and published files never change; a re-run is restated instead / 粒度：每个已关账月份一行（kefu close）。已关账月份的数据与已发布文件不再改变，重算只记差额';
COMMENT ON COLUMN marts.closed_months.month IS 'The closed month (its first day) / 已关账月份（当月1日）';
COMMENT ON COLUMN marts.closed_months.closed_at IS 'When the month was closed, shop time (Asia/Shanghai, UTC+8) / 关账时间（店铺时间，北京时间 UTC+8）';
COMMENT ON COLUMN marts.closed_months.marts_sha256 IS 'SHA-256 of the month''s rows of agent_monthly_metrics, kpi_lines, kpi_monthly, payroll_lines and payroll when closed (pipelines/pay/closing.py marts_sha256), to prove them unchanged / 关账时当月月度指标、KPI与工资表各行的SHA-256，用于证明其未被改动';
COMMENT ON COLUMN marts.closed_months.closed_by IS 'Who closed it (the operating system user) / 关账人（操作系统用户）';
COMMENT ON COLUMN marts.closed_months.employees IS 'Payroll rows of the month when closed / 关账时当月工资表人数';
COMMENT ON COLUMN marts.closed_months.gross_pay_total IS 'Total gross pay of the month as paid, CNY / 关账时当月应发工资合计（元）';
COMMENT ON COLUMN marts.closed_months.payroll_csv_sha256 IS 'SHA-256 of the published payroll CSV when closed, to prove it unchanged / 关账时已发布工资表CSV的SHA-256，用于证明其未被改动';

-- marts.restatements ----------------------------------------------------------------------------
COMMENT ON TABLE marts.restatements IS 'Grain: one row per closed month x month paying x employee whose re-run gross differs from what was paid. Each row is a pay adjustment line of paid_in_month / 粒度：每个已关账月份 x 补发月份 x 重算后应发工资有差额的员工一行，每行即补发月份的一条工资调整';
COMMENT ON COLUMN marts.restatements.closed_month IS 'The closed month that was re-run (its first day) / 被重算的已关账月份（当月1日）';
COMMENT ON COLUMN marts.restatements.paid_in_month IS 'The first open month after it, whose payroll carries the difference / 其后第一个未关账月份，差额计入该月工资';
COMMENT ON COLUMN marts.restatements.employee_id IS 'Employee id from the roster / 员工编号（花名册）';
COMMENT ON COLUMN marts.restatements.name IS 'Employee name / 员工姓名';
COMMENT ON COLUMN marts.restatements.paid_gross IS 'Gross already paid for the closed month: its closed gross plus earlier restatements, CNY / 该月已发工资：关账应发加此前已补差额（元）';
COMMENT ON COLUMN marts.restatements.restated_gross IS 'Gross of the closed month as the re-run computes it (restated.payroll), CNY / 重算后的该月应发工资（restated.payroll，元）';
COMMENT ON COLUMN marts.restatements.difference IS 'restated_gross - paid_gross, CNY: paid (or clawed back when negative) in paid_in_month / 差额 = 重算应发 - 已发（元），在补发月份补发，负数为扣回';
COMMENT ON COLUMN marts.restatements.paid_kpi_score IS 'KPI score as paid / 已发时的KPI得分';
COMMENT ON COLUMN marts.restatements.restated_kpi_score IS 'KPI score as re-run / 重算后的KPI得分';
COMMENT ON COLUMN marts.restatements.changes IS 'What moved: KPI, base salary, bonus, adjustments and each KPI line value, paid -> re-run / 变化明细：KPI、底薪、奖金、调整及各考核项数值（已发 -> 重算）';
COMMENT ON COLUMN marts.restatements.reason IS 'Why the month was re-run, as ops gave it (kefu payroll --reason) / 重算原因（运营填写，kefu payroll --reason）';
COMMENT ON COLUMN marts.restatements.run_id IS 'Dagster run id that recorded the row / 记录该行的Dagster运行编号';
