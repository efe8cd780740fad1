DROP TABLE addresses;
DROP TABLE shop_staff;
DROP TABLE shop_delivery_fees;
DROP TABLE shops;
