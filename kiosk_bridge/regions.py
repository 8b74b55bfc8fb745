"""Administrative division codes (GB/T 2260): the region of an ID number's first six digits.

Ships the 34 provincial-level divisions (first two digits) and the capital or largest city of
each for the first four digits, enough to name the household region on a pre-filled form.
A deployment's full table may replace :data:`PROVINCES` / :data:`CITIES`; codes not listed
resolve to the province only, and unknown provinces to None.
"""

from __future__ import annotations

PROVINCES: dict[str, str] = {
    "11": "北京市", "12": "天津市", "13": "河北省", "14": "山西省", "15": "内蒙古自治区",
    "21": "辽宁省", "22": "吉林省", "23": "黑龙江省",
    "31": "上海市", "32": "江苏省", "33": "浙江省", "34": "安徽省", "35": "福建省",
    "36": "江西省", "37": "山东省",
    "41": "河南省", "42": "湖北省", "43": "湖南省", "44": "广东省", "45": "广西壮族自治区",
    "46": "海南省",
    "50": "重庆市", "51": "四川省", "52": "贵州省", "53": "云南省", "54": "西藏自治区",
    "61": "陕西省", "62": "甘肃省", "63": "青海省", "64": "宁夏回族自治区",
    "65": "新疆维吾尔自治区",
    "71": "台湾省", "81": "香港特别行政区", "82": "澳门特别行政区",
}
"""Provincial-level divisions by two-digit code (GB/T 2260)."""

CITIES: dict[str, str] = {
    "1101": "市辖区", "1201": "市辖区", "1301": "石家庄市", "1401": "太原市",
    "1501": "呼和浩特市", "2101": "沈阳市", "2102": "大连市", "2201": "长春市",
    "2301": "哈尔滨市", "3101": "市辖区", "3201": "南京市", "3205": "苏州市",
    "3301": "杭州市", "3302": "宁波市", "3401": "合肥市", "3501": "福州市", "3502": "厦门市",
    "3601": "南昌市", "3701": "济南市", "3702": "青岛市", "4101": "郑州市", "4201": "武汉市",
    "4301": "长沙市", "4401": "广州市", "4403": "深圳市", "4501": "南宁市", "4601": "海口市",
    "5001": "市辖区", "5101": "成都市", "5201": "贵阳市", "5301": "昆明市", "5401": "拉萨市",
    "6101": "西安市", "6201": "兰州市", "6301": "西宁市", "6401": "银川市",
    "6501": "乌鲁木齐市",
}
"""Prefecture-level cities by four-digit code (capitals and the largest cities only)."""


def region_name(code6: str) -> str | None:
    """Name the region of a six-digit division code: "330106" → "浙江省杭州市".

    Returns:
        Province plus city when the city is listed (municipalities' "市辖区" is omitted),
        the province alone when only it is known, None for an unknown province.
    """
    province = PROVINCES.get(code6[:2])
    if province is None:
        return None
    city = CITIES.get(code6[:4])
    return province + (city if city and city != "市辖区" else "")
