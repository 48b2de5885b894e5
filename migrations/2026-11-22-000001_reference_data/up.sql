-- The 26 designated job categories (domain.md §6), normally excluded from importation under the SLS.
-- Seeded here so every database, including each test database, carries the same reference data.
-- Source: data/designated_job_categories.csv (copied from the shared reference data).
CREATE TABLE job_categories (
    code        text PRIMARY KEY CHECK (code ~ '^[A-Z][A-Z_]*$'),
    ordinal     smallint NOT NULL UNIQUE CHECK (ordinal BETWEEN 1 AND 26),
    name_en     text NOT NULL,
    name_zh     text NOT NULL,
    -- Search aliases, e.g. 整髮工 for IRONER (see domain.md §6 note on #14).
    aliases     text[] NOT NULL DEFAULT '{}'
);

INSERT INTO job_categories (ordinal, code, name_en, name_zh) VALUES
    (1, 'SALES_REPRESENTATIVE', 'Sales Representative', '營業代表'),
    (2, 'SALES_ASSISTANT', 'Sales Assistant / Shop Assistant', '售貨員'),
    (3, 'WAITER', 'Waiter/Waitress', '侍應生'),
    (4, 'RECEPTIONIST', 'Receptionist', '接待員'),
    (5, 'CASHIER', 'Cashier', '收銀員'),
    (6, 'JUNIOR_COOK', 'Junior Cook', '初級廚師'),
    (7, 'FOOD_PROCESSING_WORKER', 'Food Processing Worker', '食品加工工人'),
    (8, 'CLERK', 'Clerk (Clerical Worker)', '文員'),
    (9, 'BANK_TELLER', 'Bank Teller', '銀行櫃檯員'),
    (10, 'COMPUTER_PUNCH_CARD_OPERATOR', 'Computer/Punch Card Operator', '電腦／打孔機操作員'),
    (11, 'TELEPHONE_OPERATOR', 'Telephone Operator', '電話接線生'),
    (12, 'LINEN_ROOM_ATTENDANT', 'Linen Room Attendant', '布草房服務員'),
    (13, 'LAUNDRY_WORKER', 'Laundry Worker', '洗衣工人'),
    (14, 'IRONER', 'Ironer/Presser', '整熨工'),
    (15, 'HAIR_STYLIST', 'Hair Stylist', '髮型師'),
    (16, 'WAREHOUSE_KEEPER', 'Warehouse Keeper (Storekeeper)', '貨倉管理員'),
    (17, 'CUTTER', 'Cutter (garment)', '裁剪工'),
    (18, 'SPREADER', 'Cutting-table Worker / Spreader (garment)', '裁床工'),
    (19, 'CHECKER', 'Checker / Inspector (garment QC)', '檢查工'),
    (20, 'DELIVERY_WORKER', 'Delivery Worker', '送貨員'),
    (21, 'DRIVER', 'Driver', '駕駛員'),
    (22, 'DEMOLITION_WORKER', 'Demolition Worker', '清拆工'),
    (23, 'MASON', 'Mason', '石工'),
    (24, 'SPRAY_PAINTER', 'Spray Painter', '噴漆工'),
    (25, 'DRAIN_WORKER', 'Drain Worker / Drainlayer', '渠工'),
    (26, 'LEAK_REPAIRER', 'Leak Repairer (Waterproofing Worker)', '補漏工');

UPDATE job_categories SET aliases = ARRAY['整髮工'] WHERE code = 'IRONER';
