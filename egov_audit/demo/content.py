"""Vietnamese text pools for the sample portals: news, documents, Q&A, leaders, services.

Everything here is invented but written the way commune and district portals write it (see
../shared/spec/vocabulary.md). ``{unit}`` stands for the unit's name ("xã Yên Trung"),
``{unit_cap}`` for its capitalised form ("Xã Yên Trung") and ``{parent}`` for the district or province.
"""

from __future__ import annotations

# (title, lead paragraph). Titles deliberately include words such as "kế hoạch" or "dự án": a news item
# titled "Triển khai kế hoạch ..." must not make a planning section appear (CRITERIA §5).
NEWS: tuple[tuple[str, str], ...] = (
    ("Hội nghị sơ kết công tác 6 tháng đầu năm, triển khai nhiệm vụ 6 tháng cuối năm",
     "Sáng nay, UBND {unit} tổ chức hội nghị sơ kết công tác 6 tháng đầu năm, đánh giá kết quả thực hiện các chỉ tiêu phát triển kinh tế - xã hội và bàn giải pháp hoàn thành kế hoạch cả năm."),
    ("Ra quân tổng vệ sinh môi trường, hưởng ứng phong trào Ngày Chủ nhật xanh",
     "Hàng trăm đoàn viên thanh niên, hội viên phụ nữ và nhân dân các thôn đã tham gia thu gom rác thải, phát quang đường làng ngõ xóm, khơi thông cống rãnh trên địa bàn {unit}."),
    ("Trao quà tặng các gia đình chính sách, người có công với cách mạng",
     "Nhân kỷ niệm Ngày Thương binh - Liệt sỹ, lãnh đạo {unit} đã đến thăm hỏi, động viên và trao tặng 120 suất quà cho các gia đình chính sách trên địa bàn."),
    ("Triển khai kế hoạch chuyển đổi số đến các thôn, khu phố",
     "UBND {unit} tổ chức hội nghị triển khai kế hoạch chuyển đổi số, hướng dẫn người dân cài đặt ứng dụng VNeID và sử dụng dịch vụ công trực tuyến."),
    ("Tập huấn kỹ thuật chăm sóc lúa vụ mùa cho bà con nông dân",
     "Trung tâm Dịch vụ nông nghiệp phối hợp với UBND {unit} mở lớp tập huấn kỹ thuật gieo cấy, bón phân cân đối và phòng trừ sâu bệnh cho hơn 80 hộ nông dân."),
    ("Kiểm tra công tác phòng cháy, chữa cháy tại các cơ sở sản xuất kinh doanh",
     "Đoàn kiểm tra liên ngành của {unit} đã kiểm tra 25 cơ sở sản xuất, kinh doanh, nhắc nhở các hộ bố trí bình chữa cháy và lối thoát nạn theo quy định."),
    ("Khai giảng lớp bồi dưỡng kiến thức quốc phòng và an ninh",
     "Ban Chỉ huy Quân sự {unit} tổ chức khai giảng lớp bồi dưỡng kiến thức quốc phòng và an ninh cho đối tượng 4, với sự tham gia của 60 học viên là cán bộ thôn, đoàn thể."),
    ("Ngày hội Đại đoàn kết toàn dân tộc tại các khu dân cư",
     "Ủy ban Mặt trận Tổ quốc {unit} phối hợp tổ chức Ngày hội Đại đoàn kết toàn dân tộc tại 8 khu dân cư, biểu dương các gia đình văn hóa tiêu biểu."),
    ("Tuyên truyền, vận động người dân tham gia bảo hiểm y tế hộ gia đình",
     "Nhằm nâng cao tỷ lệ bao phủ bảo hiểm y tế, {unit} đã tổ chức các buổi tuyên truyền tại nhà văn hóa thôn, phát tờ rơi và hướng dẫn thủ tục tham gia."),
    ("Hoàn thành tiêm chủng mở rộng đợt 3 cho trẻ em dưới 5 tuổi",
     "Trạm Y tế {unit} đã hoàn thành tiêm chủng mở rộng đợt 3, bảo đảm an toàn cho 312 trẻ em dưới 5 tuổi trên địa bàn."),
    ("Tổng kết mô hình dân vận khéo trong xây dựng nông thôn mới nâng cao",
     "Qua 3 năm thực hiện, mô hình dân vận khéo đã vận động nhân dân hiến hơn 1.200 m² đất mở rộng đường giao thông nông thôn tại {unit}."),
    ("Đối thoại giữa người đứng đầu cấp ủy, chính quyền với nhân dân",
     "Tại buổi đối thoại, lãnh đạo {unit} đã trực tiếp trả lời 15 ý kiến của cử tri về đất đai, môi trường và an ninh trật tự."),
)

DIRECTION: tuple[tuple[str, str], ...] = (
    ("Chỉ đạo tăng cường công tác phòng, chống thiên tai và tìm kiếm cứu nạn",
     "Chủ tịch UBND {unit} yêu cầu các thôn, các ban ngành rà soát phương án ứng phó, bố trí lực lượng trực 24/24 giờ trong mùa mưa bão."),
    ("Thông báo kết luận của Chủ tịch UBND tại cuộc họp giao ban tháng",
     "Chủ tịch UBND {unit} kết luận, giao nhiệm vụ cụ thể cho các bộ phận chuyên môn về thu ngân sách, giải phóng mặt bằng và cải cách hành chính."),
    ("Chỉ đạo đẩy mạnh thực hiện dịch vụ công trực tuyến toàn trình",
     "UBND {unit} đề nghị bộ phận một cửa hướng dẫn người dân nộp hồ sơ trực tuyến, phấn đấu tỷ lệ hồ sơ trực tuyến đạt trên 50%."),
    ("Thông báo lịch tiếp công dân định kỳ của lãnh đạo UBND",
     "Lãnh đạo UBND {unit} tiếp công dân định kỳ vào ngày thứ Năm hằng tuần tại trụ sở UBND."),
)

# Items of the other dated sections: (section key, title, lead).
SECTION_ITEMS: dict[str, tuple[tuple[str, str], ...]] = {
    "law_dissemination": (
        ("Tuyên truyền Luật Đất đai năm 2024 đến cán bộ và nhân dân",
         "Hội đồng phối hợp phổ biến, giáo dục pháp luật {unit} tổ chức hội nghị giới thiệu những điểm mới của Luật Đất đai năm 2024."),
        ("Phổ biến quy định xử phạt vi phạm hành chính về trật tự an toàn giao thông",
         "Công an {unit} tuyên truyền các quy định mới về nồng độ cồn, đội mũ bảo hiểm cho học sinh và người dân."),
    ),
    "plans": (
        ("Kế hoạch phát triển kinh tế - xã hội 5 năm giai đoạn 2021 - 2025",
         "Kế hoạch xác định mục tiêu tăng trưởng, chuyển dịch cơ cấu kinh tế và các chương trình trọng tâm của {unit}."),
        ("Quy hoạch sử dụng đất đến năm 2030",
         "Công bố công khai quy hoạch sử dụng đất của {unit} đến năm 2030 đã được cấp có thẩm quyền phê duyệt."),
    ),
    "projects": (
        ("Thông tin dự án cải tạo, nâng cấp đường giao thông liên thôn",
         "Dự án có tổng mức đầu tư 4,8 tỷ đồng từ nguồn vốn đầu tư công, thời gian thực hiện 12 tháng."),
        ("Kết quả lựa chọn nhà thầu gói thầu xây dựng nhà văn hóa thôn",
         "UBND {unit} thông báo kết quả lựa chọn nhà thầu theo quy định của Luật Đấu thầu."),
    ),
    "budget": (
        ("Công khai dự toán ngân sách địa phương",
         "UBND {unit} công khai số liệu dự toán thu, chi ngân sách năm đã được HĐND thông qua."),
        ("Công khai quyết toán ngân sách năm trước",
         "Công khai quyết toán thu ngân sách nhà nước trên địa bàn và chi ngân sách năm trước của {unit}."),
    ),
    "statistics": (
        ("Số liệu thống kê dân số và lao động",
         "Tổng số hộ, nhân khẩu, lao động trong độ tuổi và cơ cấu lao động theo ngành của {unit}."),
        ("Thông tin kinh tế - xã hội 9 tháng đầu năm",
         "Giá trị sản xuất nông nghiệp, công nghiệp - xây dựng và thương mại - dịch vụ của {unit} 9 tháng đầu năm."),
    ),
}

# Legal documents: (kind, symbol suffix, summary). A summary may say "kế hoạch": an item in a listing.
DOCUMENTS: tuple[tuple[str, str, str], ...] = (
    ("Quyết định", "QĐ-UBND", "Về việc kiện toàn Ban chỉ đạo chuyển đổi số"),
    ("Kế hoạch", "KH-UBND", "Kế hoạch tổ chức các hoạt động hưởng ứng Ngày Pháp luật Việt Nam"),
    ("Công văn", "UBND-VP", "Về việc tăng cường công tác phòng, chống dịch bệnh trên gia súc, gia cầm"),
    ("Quyết định", "QĐ-UBND", "Về việc công bố danh mục thủ tục hành chính thực hiện tại Bộ phận một cửa"),
    ("Báo cáo", "BC-UBND", "Báo cáo kết quả thực hiện nhiệm vụ phát triển kinh tế - xã hội quý III"),
    ("Chỉ thị", "CT-UBND", "Về việc tăng cường công tác quản lý đất đai, trật tự xây dựng"),
)

# Q&A: (asker, question, answer).
QA: tuple[tuple[str, str, str], ...] = (
    ("Nguyễn Thị Hoa", "Tôi muốn làm thủ tục đăng ký khai sinh cho con qua mạng thì cần chuẩn bị những giấy tờ gì?",
     "Chào bà, bà truy cập Cổng Dịch vụ công quốc gia, chọn thủ tục Đăng ký khai sinh, khai tờ khai điện tử và đính kèm bản chụp giấy chứng sinh. Kết quả được gửi qua bưu chính hoặc nhận tại Bộ phận một cửa."),
    ("Trần Văn Nam", "Gia đình tôi có thửa đất chưa được cấp giấy chứng nhận quyền sử dụng đất, nay muốn làm thủ tục thì nộp hồ sơ ở đâu?",
     "Chào ông, hồ sơ đề nghị cấp giấy chứng nhận lần đầu nộp tại Bộ phận tiếp nhận và trả kết quả của UBND. Công chức địa chính sẽ hướng dẫn ông kê khai và kiểm tra hiện trạng thửa đất."),
    ("Lê Thị Mai", "Chứng thực bản sao từ bản chính tại UBND mất phí bao nhiêu?",
     "Chào bà, lệ phí chứng thực bản sao từ bản chính là 2.000 đồng/trang; từ trang thứ ba trở lên là 1.000 đồng/trang, tối đa không quá 200.000 đồng/bản."),
    ("Phạm Văn Đức", "Người cao tuổi từ 75 tuổi có được hưởng trợ cấp xã hội hằng tháng không?",
     "Chào ông, người từ đủ 75 tuổi đến 80 tuổi thuộc hộ nghèo, hộ cận nghèo không có lương hưu được hưởng trợ cấp xã hội hằng tháng theo Nghị định 20/2021/NĐ-CP."),
)

# Leaders by level: (name, position). Phones are generated per unit.
LEADERS: dict[str, tuple[tuple[str, str], ...]] = {
    "district": (
        ("Nguyễn Văn Hùng", "Bí thư Huyện ủy"),
        ("Trần Quốc Toản", "Chủ tịch UBND huyện"),
        ("Ngô Thị Thu Hương", "Phó Chủ tịch UBND huyện"),
        ("Lê Minh Tuấn", "Phó Chủ tịch UBND huyện"),
    ),
    "commune": (
        ("Phạm Đức Thắng", "Bí thư Đảng ủy, Chủ tịch HĐND xã"),
        ("Đỗ Văn Bình", "Chủ tịch UBND xã"),
        ("Nguyễn Thị Lan", "Phó Chủ tịch UBND xã"),
    ),
}

ORGANIZATION: dict[str, tuple[str, ...]] = {
    "district": (
        "Văn phòng HĐND và UBND huyện", "Phòng Nội vụ", "Phòng Tư pháp", "Phòng Tài chính - Kế hoạch",
        "Phòng Tài nguyên và Môi trường", "Phòng Kinh tế và Hạ tầng", "Phòng Văn hóa và Thông tin",
        "Phòng Giáo dục và Đào tạo", "Phòng Lao động - Thương binh và Xã hội", "Thanh tra huyện",
    ),
    "commune": (
        "Văn phòng - Thống kê", "Địa chính - Xây dựng - Nông nghiệp và Môi trường", "Tài chính - Kế toán",
        "Tư pháp - Hộ tịch", "Văn hóa - Xã hội", "Công an xã", "Ban Chỉ huy Quân sự xã",
    ),
}

# Public services: (name, level label as portals print it).
SERVICES: tuple[tuple[str, str], ...] = (
    ("Đăng ký khai sinh", "Toàn trình"),
    ("Đăng ký kết hôn", "Mức độ 4"),
    ("Chứng thực bản sao từ bản chính", "Mức độ 3"),
    ("Đăng ký khai tử", "Toàn trình"),
    ("Cấp bản sao trích lục hộ tịch", "Mức độ 3"),
    ("Đăng ký thường trú", "Một phần"),
    ("Xác nhận tình trạng hôn nhân", "Mức độ 2"),
    ("Hỗ trợ chi phí mai táng", "Mức độ 4"),
)

CONSULTATIONS: tuple[tuple[str, str], ...] = (
    ("Dự thảo Kế hoạch phát triển kinh tế - xã hội năm tới",
     "UBND {unit} lấy ý kiến nhân dân đối với dự thảo; ý kiến góp ý gửi về Văn phòng HĐND và UBND trước ngày 15/12."),
    ("Dự thảo Quy chế quản lý nghĩa trang nhân dân",
     "Lấy ý kiến góp ý của nhân dân đối với dự thảo quy chế quản lý, sử dụng nghĩa trang nhân dân trên địa bàn."),
)

# Downloadable forms: (label, file name).
FORMS: tuple[tuple[str, str], ...] = (
    ("Mẫu tờ khai đăng ký khai sinh", "to-khai-dang-ky-khai-sinh.docx"),
    ("Mẫu đơn đề nghị cấp giấy chứng nhận quyền sử dụng đất", "mau-don-de-nghi-cap-gcn.docx"),
    ("Biểu mẫu đề nghị hưởng trợ cấp xã hội", "mau-de-nghi-tro-cap-xa-hoi.pdf"),
)

INTRODUCTION = (
    "{unit_cap} nằm ở phía {direction} của {parent}, có diện tích tự nhiên khoảng {area} km², dân số hơn {population} người "
    "sinh sống tại {villages} thôn, khu phố. Địa hình tương đối bằng phẳng, đất đai màu mỡ, thuận lợi cho phát triển nông "
    "nghiệp và các ngành nghề thủ công truyền thống. Hệ thống giao thông liên thôn, liên xã đã được cứng hóa, kết nối "
    "thuận tiện với các trục đường tỉnh. Trên địa bàn có nhiều di tích lịch sử - văn hóa, đình, chùa được xếp hạng; các "
    "lễ hội truyền thống được duy trì hằng năm vào mùa xuân. Những năm gần đây, Đảng bộ và nhân dân {unit} đoàn kết, "
    "phát huy truyền thống, đẩy mạnh chuyển dịch cơ cấu kinh tế, xây dựng nông thôn mới nâng cao và chính quyền số."
)

PLACEHOLDER = "Nội dung đang cập nhật"
