-- Value parsers for Taobao exports, shared by the ingest checks and the staging transforms so
-- that "loadable" and "typed" can never disagree. Each returns NULL when the text is unreadable.
-- Loaded as TEMP macros on every connection: nothing of them is stored in the warehouse file.

-- Excel-proofed text: ="123" and '123 are how Taobao stops Excel from mangling ids; ="" is empty,
-- and so is the null, NULL or NaN that a database dump or a pandas script writes for a missing
-- value (Excel-proofed too: 'null). Most cells are plain, so the regular expressions run only on
-- the Excel-proofed ones and those words.
CREATE OR REPLACE TEMP MACRO kefu_text(s) AS nullif(CASE
    WHEN NOT (contains(s, '="') OR contains(s, '''') OR s IN ('null', 'NULL', 'NaN')) THEN trim(s)
    ELSE trim(regexp_replace(regexp_replace(trim(s), '^="(.*)"$', '\1'),
                             '^(?:''?(?:null|NULL|NaN)$|'')', ''))
END, '');

-- Ids stay strings: 19 digits do not survive a float.
CREATE OR REPLACE TEMP MACRO kefu_id(s) AS kefu_text(s);

-- 1299 / 1,299.00 / ¥1299.00 / ￥1299.00 / 1299.00元 / 0元 / 0.0; more than 2 decimals is unreadable
-- rather than silently rounded.
CREATE OR REPLACE TEMP MACRO kefu_money_digits(s) AS regexp_replace(kefu_text(s), '[¥￥元,\s]', '', 'g');
CREATE OR REPLACE TEMP MACRO kefu_money(s) AS CASE
    WHEN regexp_full_match(kefu_money_digits(s), '-?[0-9]+(\.[0-9]{1,2})?')
        THEN TRY_CAST(kefu_money_digits(s) AS DECIMAL(18, 2))
END;

-- Shop-local (Asia/Shanghai) wall time. An explicit offset is converted (after a T or a space,
-- with or without a space before it); naive text is local.
CREATE OR REPLACE TEMP MACRO kefu_ts_any(s) AS CASE
    WHEN regexp_matches(kefu_text(s), '[+-][0-9]{2}:?[0-9]{2}$|Z$')
        THEN timezone('Asia/Shanghai', try_strptime(replace(kefu_text(s), 'Z', '+00:00'),
                                                    ['%Y-%m-%dT%H:%M:%S%z', '%Y-%m-%d %H:%M:%S%z',
                                                     '%Y-%m-%dT%H:%M:%S %z',
                                                     '%Y-%m-%d %H:%M:%S %z']))
    ELSE try_strptime(kefu_text(s), ['%Y-%m-%d %H:%M:%S', '%Y/%m/%d %H:%M:%S', '%Y-%m-%d %H:%M',
                                     '%Y/%m/%d %H:%M', '%Y-%m-%dT%H:%M:%S'])
END;
-- The fast path first: the common format on the text as written. strptime skips whitespace
-- around the fields and reads nothing else, so text it reads this way holds no offset and no
-- Excel-proofing, and kefu_ts_any would read it with the same first format to the same time.
CREATE OR REPLACE TEMP MACRO kefu_ts(s) AS
    coalesce(try_strptime(s, '%Y-%m-%d %H:%M:%S'), kefu_ts_any(s));

-- A 千牛 sub-account: 店铺:名字, where the full-width colon names the same account. Spaces around
-- the colon are dropped: the replacement runs only on text holding whitespace. (A macro's
-- argument is copied into its body at each mention, and so is planned once per mention: every
-- file's check plans these again, so they mention their argument few times.)
CREATE OR REPLACE TEMP MACRO kefu_account_plain(t) AS CASE
    WHEN regexp_matches(t, '\s') THEN regexp_replace(t, '\s*:\s*', ':') ELSE t
END;
CREATE OR REPLACE TEMP MACRO kefu_account(s) AS
    nullif(kefu_account_plain(replace(kefu_text(s), '：', ':')), '');

CREATE OR REPLACE TEMP MACRO kefu_sender(s) AS CASE lower(kefu_text(s))
    WHEN 'buyer' THEN 'buyer' WHEN '买家' THEN 'buyer' WHEN '顾客' THEN 'buyer'
    WHEN 'agent' THEN 'agent' WHEN '客服' THEN 'agent'
    WHEN 'auto' THEN 'auto' WHEN '自动回复' THEN 'auto' WHEN '机器人' THEN 'auto'
    WHEN '店小蜜' THEN 'auto'
    WHEN 'system' THEN 'system' WHEN '系统' THEN 'system'
END;

-- A transfer line, 由 X 转交给 Y (spaced or not, any 原因：【…】 after it), is the system's
-- wherever a chat export puts it: a copied record often shows it as the buyer's message, which
-- would start a wait. Y is one word (a sub-account), so a sentence that goes on after it is no
-- transfer. Only messages holding 转交给 reach the regular expression.
CREATE OR REPLACE TEMP MACRO kefu_is_transfer(content) AS CASE WHEN contains(content, '转交给')
    THEN regexp_full_match(content, '(?s)[\s\p{Z}]*由[\s\p{Z}]*\S.*?转交给[\s\p{Z}]*\S+'
                                    || '([\s\p{Z}]*原因[:：].*)?[\s\p{Z}]*')
    ELSE false END;

-- Whether a sub-account (店铺:名字, as kefu_account writes it) is a bot: its name, the part after
-- the shop, contains one of `bots` (config/bots.yaml), so its messages are auto-replies. One
-- regular expression of the escaped names, built once per statement: a test of each name on
-- each row took five times as long (the unmapped accounts of a week of the bench month: 1.1 s
-- against 0.2 s).
CREATE OR REPLACE TEMP MACRO kefu_is_bot(account, bots) AS coalesce(
    len(CAST(bots AS VARCHAR[])) > 0 AND regexp_matches(
        substr(account, strpos(account, ':') + 1),
        array_to_string(list_transform(CAST(bots AS VARCHAR[]), lambda bot: regexp_escape(bot)),
                        '|')),
    false);

-- A chat message: its message_id, else the md5 of its fields and its ordinal among identical
-- messages of its file (concat_ws leaves out a NULL buyer_id, so messages without one keep the
-- keys they had before buyer ids).
CREATE OR REPLACE TEMP MACRO kefu_message_key(message_id, sent_at, agent, buyer, sender, content,
                                              ordinal, buyer_id) AS
    coalesce(message_id, md5(concat_ws('|', strftime(sent_at, '%Y-%m-%d %H:%M:%S'), agent, buyer,
                                       sender, content, ordinal, buyer_id)));

-- How a buyer is recognised across exports: by the buyer id where both rows carry one (two ids
-- that differ are two buyers, whatever their nicks), else by the nick, but never by a masked
-- nick (t******7: many buyers look alike). A chat row offers a key of each kind it has, a row to
-- be matched with chats (an order) looks up a key of each kind it can match, and an equal
-- (kind, key) is a match. The kinds:
--   0  the buyer id, on both sides;
--   1  the nick of a chat row without an id: any row with that nick matches it;
--   2  the nick of a chat row with an id: only a row without an id matches it by nick.
-- A row's kinds are unnested, then keyed; a row without an id (most, in most shops) offers one.
CREATE OR REPLACE TEMP MACRO kefu_chat_key_kinds(buyer_id) AS
    CASE WHEN buyer_id IS NULL THEN [1] ELSE [0, 2] END;
CREATE OR REPLACE TEMP MACRO kefu_lookup_key_kinds(buyer_id) AS
    CASE WHEN buyer_id IS NULL THEN [1, 2] ELSE [0, 1] END;
CREATE OR REPLACE TEMP MACRO kefu_buyer_key(kind, buyer_id, nick) AS CASE
    WHEN kind = 0 THEN buyer_id WHEN NOT contains(nick, '*') THEN nick
END;

-- Export statuses, with the API enums some tools write (taobao.trades.sold.get) mapped onto the
-- seller-center wording of the same state.
CREATE OR REPLACE TEMP MACRO kefu_order_status(s) AS CASE kefu_text(s)
    WHEN 'WAIT_BUYER_PAY' THEN '等待买家付款'
    WHEN 'TRADE_NO_CREATE_PAY' THEN '没有创建支付宝交易'
    WHEN '没有创建外部交易' THEN '没有创建支付宝交易'
    WHEN 'PAY_PENDING' THEN '外卡支付付款确认中'
    WHEN 'WAIT_PRE_AUTH_CONFIRM' THEN '余额宝0元购合约中'
    WHEN 'WAIT_SELLER_SEND_GOODS' THEN '买家已付款，等待卖家发货'
    WHEN 'PAID_FORBID_CONSIGN' THEN '已付款但禁止发货'
    WHEN 'SELLER_CONSIGNED_PART' THEN '卖家部分发货'
    WHEN 'WAIT_BUYER_CONFIRM_GOODS' THEN '卖家已发货，等待买家确认'
    WHEN 'TRADE_BUYER_SIGNED' THEN '买家已签收'
    WHEN 'TRADE_FINISHED' THEN '交易成功'
    WHEN 'TRADE_CLOSED' THEN '交易关闭'
    WHEN 'TRADE_CLOSED_BY_TAOBAO' THEN '交易被淘宝关闭'
    ELSE CASE WHEN kefu_text(s) IN ('等待买家付款', '没有创建支付宝交易', '外卡支付付款确认中',
                                    '余额宝0元购合约中', '买家已付款，等待卖家发货',
                                    '已付款但禁止发货', '卖家部分发货', '卖家已发货，等待买家确认',
                                    '卖家已发货，等待买家确认收货并付款', '买家已签收', '交易成功',
                                    '交易关闭', '交易被淘宝关闭')
              THEN kefu_text(s) END
END;

-- The payment time that counts: none while the status (kefu_order_status) says no payment has
-- been made yet, whatever 订单付款时间 holds (a tool may write the time a foreign-card payment or
-- a 0元购 pre-authorisation started). Closed orders keep theirs: 交易关闭 after payment is a paid
-- order refunded in full, before payment it has no payment time.
CREATE OR REPLACE TEMP MACRO kefu_order_paid_at(status, paid_time) AS CASE
    WHEN status NOT IN ('等待买家付款', '没有创建支付宝交易', '外卡支付付款确认中', '余额宝0元购合约中')
        THEN paid_time
END;

CREATE OR REPLACE TEMP MACRO kefu_rating(s) AS CASE kefu_text(s)
    WHEN '很满意' THEN 5 WHEN '非常满意' THEN 5 WHEN '满意' THEN 4 WHEN '一般' THEN 3
    WHEN '不满意' THEN 2 WHEN '很不满意' THEN 1 WHEN '非常不满意' THEN 1
    WHEN '5' THEN 5 WHEN '4' THEN 4 WHEN '3' THEN 3 WHEN '2' THEN 2 WHEN '1' THEN 1
END;

-- Money divided by a count, rounded half-up to the cent without leaving DECIMAL (DuckDB divides
-- decimals as DOUBLE, and no float may touch money). NULL when the count is 0.
CREATE OR REPLACE TEMP MACRO kefu_money_per(amount, n) AS CASE WHEN n > 0 THEN
    CAST((CAST(amount * 100 AS HUGEINT) * 2 + n) // (2 * n) AS DECIMAL(18, 0)) * 0.01::DECIMAL(3, 2)
END;

-- 'bonus 1668.20 -> 1751.61' when a value moved, else NULL: how a restatement says what changed.
CREATE OR REPLACE TEMP MACRO kefu_change(label, old, new) AS CASE WHEN old IS DISTINCT FROM new
    THEN label || ' ' || coalesce(CAST(old AS VARCHAR), '-') || ' -> '
         || coalesce(CAST(new AS VARCHAR), '-')
END;
