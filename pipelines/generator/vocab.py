"""Word pools for the simulated shop.

Every string here must encode in GBK, because order and refund exports are GBK files, and no
chat line may contain a line break except the deliberate two-line replies, which the CSV writer
flattens so physical line numbers stay equal to row numbers.
"""

SHOP = "旗舰店"
AUTO_ACCOUNT = f"{SHOP}:店小蜜"
UNMAPPED_ACCOUNT = f"{SHOP}:临时客服"

LEVELS = ("普通", "高级", "精英", "专家", "金牌")

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾萧田董潘袁蔡蒋余于杜叶程"
    "魏苏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝"
)
GIVEN = (
    "美丽雪雨琳婷芳静敏慧娜燕霞萍红梅兰月云晴琪瑶璐颖洁薇悦欣怡佳宁蕾菲倩萱莹珊蓉娟玲丹彤岚凤"
    "露荣杰涛磊鹏飞强军勇斌浩宇轩博文凯峰辉明亮华平刚健超波伟龙鑫森林海洋天乐诚远航帆舟舒朗"
)
NICK_PREFIXES = ("小", "阿", "大")

# Buyer nicks end in a unique number; no prefix ends in a digit, so nick -> buyer is one-to-one.
NICK_CN = (
    "小林", "阿花", "大鱼", "猫猫", "星星", "木子", "阿强", "老王", "小胖", "晴天", "向日葵",
    "蓝天白云", "追风少年", "夏天", "清风", "小鹿", "一只猫", "土豆", "番茄", "柠檬", "阿杰",
    "小雨", "大白",
)
NICK_PY = (
    "xiaolin", "huahua", "dayu", "maomao", "xingxing", "muzi", "aqiang", "laowang", "qingtian",
    "zhuifeng", "xiaolu", "tudou", "fanqie", "happy", "sunny", "lucky", "momo", "leo", "jack",
    "coco",
)

# (title, price in yuan, item code): the seed's 59 and 399 yuan men's bags and the range between.
PRODUCTS = (
    ("男士帆布斜挎包 休闲单肩小包", 59, "BAG-059"),
    ("男士胸包 运动防泼水 多口袋", 89, "BAG-089"),
    ("男士手拿包 商务牛皮纹 大容量", 129, "BAG-129"),
    ("男士双肩包 14寸电脑包 通勤", 199, "BAG-199"),
    ("男士公文包 头层牛皮 横款", 259, "BAG-259"),
    ("男士真皮单肩包 头层牛皮 礼盒装", 399, "BAG-399"),
)
PRODUCT_WEIGHTS = (30, 15, 15, 15, 10, 15)
# what a buyer routed for the premium line (or a VIP) orders: the seed's 399-yuan bag
PREMIUM_PRODUCT = 5

ADDRESSES = (
    ("浙江省", "杭州市", "西湖区", "文三路", "310000"),
    ("广东省", "深圳市", "南山区", "科技园路", "518000"),
    ("上海", "上海市", "浦东新区", "张江路", "201203"),
    ("北京", "北京市", "朝阳区", "建国路", "100022"),
    ("江苏省", "南京市", "鼓楼区", "中山北路", "210009"),
    ("四川省", "成都市", "武侯区", "人民南路", "610041"),
    ("湖北省", "武汉市", "洪山区", "珞喻路", "430074"),
    ("山东省", "济南市", "历下区", "泉城路", "250011"),
)
CARRIERS = (("圆通速递", "YT"), ("中通快递", "ZT"), ("韵达快递", "YD"), ("申通快递", "ST"))
BUYER_NOTES = ("", "", "", "", "请尽快发货", "不要放快递柜", "送人的，麻烦不要放发票")

PRESALE_BUYER = (
    "在吗", "在吗？", "这个包是真皮的吗", "有黑色的吗", "能装下14寸电脑吗", "什么时候发货",
    "发什么快递", "能便宜点吗", "有优惠券吗", "尺寸多大", "背着重不重", "有没有实物图", "包邮吗",
    "今天拍明天能到杭州吗", "质量怎么样，会不会掉皮", "送男朋友的，可以帮忙包装一下吗",
    "我买两个能便宜吗", "这款和那款有什么区别,哪个更耐用", '你们说的"头层牛皮"是真的吗',
    "好的", "嗯嗯", "那我再看看", "谢谢", "拍了", "已拍，麻烦尽快发货", "",
)
PRESALE_AGENT = (
    "亲，在的呢，请问有什么可以帮您？", "是的亲，这款是头层牛皮的哦", "有的亲，黑色和棕色都有现货",
    "可以装下14寸笔记本的", "亲，下午4点前拍下当天发货哦", "默认发圆通和中通，偏远地区除外都包邮",
    "亲，现在下单领券立减20元哦", "尺寸是30*22*8cm，重量约0.6kg",
    "亲，我们家支持七天无理由退换，放心购买", "亲，这款有三个颜色：\n黑色、棕色、灰色",
    "好的亲，已经给您备注了", "亲，还有其他问题吗？", "感谢亲的支持，祝您生活愉快～",
    '亲，"头层牛皮"是真的，支持专柜验货', "两个的话可以给您再减10元,拍下后我帮您改价", "",
)
AFTERSALE_BUYER = (
    "我的快递怎么还没到", "包收到了，拉链有点问题", "可以换个颜色吗", "我想退货", "发票怎么开",
    "物流一直不动", "收到的颜色不对", "怎么申请退款", "好的谢谢", "",
)
AFTERSALE_AGENT = (
    "亲，帮您查一下物流，请稍等", "非常抱歉给您带来不便，可以拍张照片给我们看看吗",
    "亲，可以申请退换货的，运费我们承担", "已经帮您催快递了", "亲，发票在订单详情里可以申请哦",
    "亲，换货的话请在订单里申请，我们收到后马上给您补发\n新的会用顺丰发出",
    "好的亲，有问题随时联系我们",
)
AUTO_LINES = (
    "您好，欢迎光临旗舰店，我是智能客服店小蜜，请问有什么可以帮您？",
    "亲，客服小姐姐马上就来，请稍等哦",
)
AUTO_OFFLINE = "亲，现在是非工作时间，客服上班后第一时间回复您"

RATING_LABELS = ("很不满意", "不满意", "一般", "满意", "很满意")

REFUND_REASONS = (
    ("七天无理由退换货", "不想要了", "买家"),
    ("尺寸拍错/不喜欢/效果不好", "和想象的不一样", "买家"),
    ("质量问题", "拉链坏了", "卖家"),
    ("少件/漏发", "少了一个肩带", "卖家"),
    ("卖家发错货", "颜色发错了", "卖家"),
    ("协商一致退款", "差价", "卖家"),
)

# (which employee, counted from 0 in roster order; kind; amount; reason)
ADJUSTMENTS = (
    (0, "qa_points", "-2", "质检扣分：回复用语不规范，未使用敬语"),
    (2, "qa_points", "1.5", "质检加分：买家来信表扬"),
    (1, "pay", "-200.00", "追回：上月重复发放的绩效奖金"),
)


def buyer_nick(style: int, word: int, number: int) -> str:
    """A Taobao-looking nick; `number` is unique per buyer and always ends the nick."""
    if style == 0:
        return f"tb_{NICK_CN[word % len(NICK_CN)]}{number}"
    if style == 1:
        return f"{NICK_PY[word % len(NICK_PY)]}{number}"
    return f"{NICK_CN[word % len(NICK_CN)]}{NICK_PY[word % len(NICK_PY)]}{number}"
