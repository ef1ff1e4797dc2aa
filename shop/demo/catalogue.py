"""The demo marketplace: merchants, a category tree and 60 products."""

MERCHANTS = [
    (
        "panda-electronics",
        "Panda Electronics",
        "Phones, laptops and audio with a two-year warranty.",
    ),
    ("lotus-home", "Lotus Home", "Kitchenware and decor for calm homes."),
    ("silk-road-fashion", "Silk Road Fashion", "Everyday clothing and accessories."),
    (
        "summit-outdoors",
        "Summit Outdoors",
        "Gear for the gym, the trail and the campsite.",
    ),
]

# root slug, root name, [(child slug, child name, merchant slug, shape, colour, [titles])]
CATEGORIES = [
    (
        "electronics",
        "Electronics",
        [
            (
                "phones-audio",
                "Phones & Audio",
                "panda-electronics",
                "phone",
                (52, 120, 246),
                [
                    "Aurora X2 Smartphone",
                    "Aurora Lite Smartphone",
                    "Echo Buds Wireless Earbuds",
                    "Bass Cube Bluetooth Speaker",
                    "Studio One Headphones",
                    "PowerPod 20000 mAh Battery",
                    "QuickCharge 65 W Adapter",
                    "Nano Tracker Tag",
                ],
            ),
            (
                "computers",
                "Computers",
                "panda-electronics",
                "laptop",
                (38, 70, 140),
                [
                    "Airbook 13 Laptop",
                    "Airbook 15 Pro Laptop",
                    'Crystal 27" Monitor',
                    "Silent Mechanical Keyboard",
                    "Glide Wireless Mouse",
                    "Dock Hub 8-in-1",
                    "Swift 1 TB Portable SSD",
                ],
            ),
        ],
    ),
    (
        "home-kitchen",
        "Home & Kitchen",
        [
            (
                "kitchen",
                "Kitchen",
                "lotus-home",
                "mug",
                (214, 98, 72),
                [
                    "Celadon Tea Mug",
                    "Bamboo Steamer Set",
                    "Cast Iron Wok 32 cm",
                    "Porcelain Rice Bowls (4)",
                    "Pour-Over Coffee Kit",
                    "Chef Knife 20 cm",
                    "Glass Teapot 800 ml",
                    "Stone Mortar and Pestle",
                ],
            ),
            (
                "decor",
                "Decor",
                "lotus-home",
                "lamp",
                (196, 150, 60),
                [
                    "Paper Lantern Lamp",
                    "Linen Table Lamp",
                    "Brass Reading Lamp",
                    "Rattan Floor Lamp",
                    "Moon Night Light",
                    "Ceramic Vase Trio",
                    "Wool Throw Blanket",
                ],
            ),
        ],
    ),
    (
        "fashion",
        "Fashion",
        [
            (
                "clothing",
                "Clothing",
                "silk-road-fashion",
                "shirt",
                (120, 80, 180),
                [
                    "Organic Cotton T-Shirt",
                    "Linen Summer Shirt",
                    "Merino Crew Sweater",
                    "Denim Overshirt",
                    "Silk Blend Blouse",
                    "Rain Shell Jacket",
                    "Everyday Hoodie",
                    "Chino Trousers",
                ],
            ),
            (
                "accessories",
                "Accessories",
                "silk-road-fashion",
                "bag",
                (170, 60, 110),
                [
                    "Canvas Tote Bag",
                    "Leather Crossbody Bag",
                    "City Backpack 20 L",
                    "Silk Scarf",
                    "Wool Beanie",
                    "Minimal Card Wallet",
                    "Weekend Duffel",
                ],
            ),
        ],
    ),
    (
        "sports-outdoors",
        "Sports & Outdoors",
        [
            (
                "fitness",
                "Fitness",
                "summit-outdoors",
                "ball",
                (30, 150, 110),
                [
                    "Pro Training Basketball",
                    "Match Football Size 5",
                    "Cork Yoga Block",
                    "Resistance Band Set",
                    "Adjustable Dumbbell 10 kg",
                    "Speed Jump Rope",
                    "Table Tennis Paddle Pair",
                    "Foam Roller",
                ],
            ),
            (
                "camping",
                "Camping",
                "summit-outdoors",
                "tent",
                (60, 120, 70),
                [
                    "Ridge 2-Person Tent",
                    "Trail 3-Season Tent",
                    "Down Sleeping Bag",
                    "Folding Camp Chair",
                    "Titanium Camp Stove",
                    "Headlamp 400 lm",
                    "Insulated Water Bottle",
                ],
            ),
        ],
    ),
]

DEMO_USERS = {
    "admin": {
        "password": "smilepay-admin",
        "email": "admin@example.com",
        "superuser": True,
    },
    "shopper": {
        "password": "smilepay-shopper",
        "email": "shopper@example.com",
        "funds": "5000.00",
    },
    "shopper2": {
        "password": "smilepay-shopper2",
        "email": "shopper2@example.com",
        "funds": "500.00",
    },
    "merchant": {
        "password": "smilepay-merchant",
        "email": "merchant@example.com",
        "merchant": "panda-electronics",
    },
}
