"""The demo marketplace: merchants, a category tree and 60 products.

Prices are in yuan (CNY), near what such a product sells for in China. Each product
says the range a shopper would find believable (`typical`, checked by the tests) and
which drawing of shop/demo/images.py pictures it. Product data stays in English:
catalogue data is the merchant's own, in the language they wrote it in.
"""

from dataclasses import dataclass
from decimal import Decimal

from django.utils.text import slugify


@dataclass(frozen=True)
class DemoProduct:
    title: str
    price: Decimal
    # What a product like this sells for (yuan): the price must lie within it.
    typical: tuple[int, int]
    stock: int
    picture: str  # a drawing in shop/demo/images.py
    description: str

    @property
    def slug(self) -> str:
        return slugify(self.title)


@dataclass(frozen=True)
class DemoCategory:
    slug: str
    name: str
    merchant: str  # the slug of the merchant that sells it
    colour: tuple[int, int, int]  # the pictures' background tint
    products: tuple[DemoProduct, ...]


def _p(title, price, typical, stock, picture, description) -> DemoProduct:
    return DemoProduct(
        title=title,
        price=Decimal(price),
        typical=typical,
        stock=stock,
        picture=picture,
        description=" ".join(description.split()),
    )


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

PHONES_AUDIO = DemoCategory(
    "phones-audio",
    "Phones & Audio",
    "panda-electronics",
    (52, 120, 246),
    (
        # The first three in stock are the e2e phone test's orders (tests/e2e/
        # test_phone.py): the third is paid by face, so it stays under ¥1,000.
        _p(
            "Aurora X2 Smartphone",
            "4299.00",
            (2500, 7000),
            12,
            "smartphone",
            """Our flagship: a 6.7-inch OLED screen at 120 Hz, 256 GB of storage and
            a triple camera that keeps night shots sharp. The aluminium frame and matte
            glass back shrug off fingerprints, and the 5,000 mAh battery sees most
            people through a day and a half.""",
        ),
        _p(
            "Aurora Lite Smartphone",
            "1799.00",
            (1000, 2500),
            25,
            "smartphone_lite",
            """Everything most people need from a phone, for less: a 6.4-inch screen,
            128 GB of storage and a 50 MP main camera. The light body weighs 172 g and
            the battery lasts two days of ordinary use. Dual SIM and 5G.""",
        ),
        _p(
            "Echo Buds Wireless Earbuds",
            "499.00",
            (200, 1200),
            40,
            "earbuds",
            """Small, light earbuds with noise cancelling that takes the edge off the
            metro. Six hours of music per charge, three more charges in the
            pocket-sized case, and an IPX4 rating against sweat and rain.""",
        ),
        _p(
            "Bass Cube Bluetooth Speaker",
            "349.00",
            (150, 800),
            15,
            "speaker",
            """A 10 cm cube of aluminium and fabric that fills a room with more bass
            than its size suggests. Twelve hours of play per charge, waterproof to IPX7
            for the shower or the beach, and two of them pair for stereo.""",
        ),
        _p(
            "Studio One Headphones",
            "899.00",
            (300, 2500),
            8,
            "headphones",
            """Over-ear headphones with 40 mm drivers, memory-foam cushions and noise
            cancelling you can turn down to hear the announcements. Thirty hours per
            charge; they fold flat into the hard case, and a cable comes for the
            plane.""",
        ),
        _p(
            "PowerPod 20000 mAh Battery",
            "159.00",
            (100, 300),
            100,
            "power_bank",
            """Four phone top-ups or one laptop charge, in a brick the size of a
            paperback. Two USB-C ports and one USB-A, 22.5 W fast charging, and four
            lights that tell you what is left. Allowed in cabin baggage.""",
        ),
        _p(
            "QuickCharge 65 W Adapter",
            "129.00",
            (80, 250),
            3,
            "charger",
            """One small gallium-nitride charger for the laptop, the phone and the
            earbuds: 65 W shared between two USB-C ports and one USB-A. The pins fold
            away for the bag, and it works on 100-240 V when you travel.""",
        ),
        _p(
            "Nano Tracker Tag",
            "99.00",
            (60, 250),
            0,
            "tracker_tag",
            """Clip it to your keys or slip it into a suitcase, and find either from
            your phone: the tag rings at 90 dB and shows its last position on the map.
            The coin battery lasts about a year and is easy to replace.""",
        ),
    ),
)

COMPUTERS = DemoCategory(
    "computers",
    "Computers",
    "panda-electronics",
    (38, 70, 140),
    (
        _p(
            "Airbook 13 Laptop",
            "6499.00",
            (4000, 9000),
            8,
            "laptop",
            """A 1.2 kg laptop milled from one piece of aluminium, with a 13.6-inch
            2.5K screen, 16 GB of memory and a 512 GB SSD. It has no fan, so it is
            silent in the library, and the battery lasts a working day and then
            some.""",
        ),
        _p(
            "Airbook 15 Pro Laptop",
            "8799.00",
            (4000, 9000),
            3,
            "laptop_pro",
            """The bigger, faster Airbook: a 15.3-inch 3K screen, 32 GB of memory and a
            1 TB SSD for photo and video editing or compiling large projects. Quiet
            fans, HDMI and an SD card slot, and up to 14 hours on battery.""",
        ),
        _p(
            'Crystal 27" Monitor',
            "1899.00",
            (1200, 2500),
            15,
            "monitor",
            """A 27-inch IPS screen at 2560 × 1440 and 144 Hz, with colours accurate
            enough for photo work out of the box. USB-C with 65 W charging runs a
            laptop on one cable, and the stand tilts, swivels and rises by 13 cm.""",
        ),
        _p(
            "Silent Mechanical Keyboard",
            "459.00",
            (200, 900),
            25,
            "keyboard",
            """The feel of a mechanical keyboard without the clatter: damped linear
            switches, PBT keycaps that never turn shiny, and a compact 75 % layout.
            Connects by Bluetooth to three devices, or by USB-C cable.""",
        ),
        _p(
            "Glide Wireless Mouse",
            "149.00",
            (60, 400),
            40,
            "mouse",
            """A quiet, well-shaped mouse for long days: silent clicks, a 4,000 dpi
            sensor that even tracks on glass, and a wheel that spins free through long
            documents. One AA battery lasts about 18 months.""",
        ),
        _p(
            "Dock Hub 8-in-1",
            "299.00",
            (150, 600),
            15,
            "usb_hub",
            """Turns one USB-C port into eight: HDMI at 4K 60 Hz, gigabit Ethernet,
            three USB-A ports, SD and microSD slots, and 100 W charging passed through
            to the laptop. Aluminium shell, 20 cm cable.""",
        ),
        _p(
            "Swift 1 TB Portable SSD",
            "599.00",
            (400, 1000),
            25,
            "ssd",
            """A terabyte in your pocket: up to 1,050 MB/s over USB-C, so a 4K film
            copies in under a minute. The rubber-edged case survives a two-metre drop;
            USB-C and USB-A cables are both in the box.""",
        ),
    ),
)

KITCHEN = DemoCategory(
    "kitchen",
    "Kitchen",
    "lotus-home",
    (214, 98, 72),
    (
        _p(
            "Celadon Tea Mug",
            "68.00",
            (30, 150),
            40,
            "tea_mug",
            """Hand-glazed in Longquan celadon, the soft green of jade, with a lid that
            keeps the tea hot and a stainless infuser basket. Holds 350 ml;
            dishwasher- and microwave-safe without the infuser.""",
        ),
        _p(
            "Bamboo Steamer Set",
            "89.00",
            (50, 200),
            25,
            "steamer",
            """Two 25 cm tiers and a lid, woven from bamboo by hand, for dumplings,
            buns and fish. Sits in a 28-32 cm wok, and 50 perforated paper liners
            come with it so nothing sticks.""",
        ),
        _p(
            "Cast Iron Wok 32 cm",
            "259.00",
            (120, 500),
            8,
            "wok",
            """A pre-seasoned cast-iron wok that holds its heat for a proper sear and
            gets better with every stir-fry. Flat base for gas, induction and electric
            hobs, a wooden handle that stays cool, and a helper handle for lifting.""",
        ),
        _p(
            "Porcelain Rice Bowls (4)",
            "128.00",
            (60, 250),
            15,
            "rice_bowls",
            """Four 11 cm bowls of white porcelain with a hand-painted blue rim, just
            the size for rice or soup. They stack neatly and go in the dishwasher and
            the microwave.""",
        ),
        _p(
            "Pour-Over Coffee Kit",
            "199.00",
            (100, 400),
            8,
            "pour_over",
            """A ceramic cone dripper, a 600 ml glass server and 100 paper filters:
            everything for two clean, bright cups at a time. The marks on the server
            show how much you have brewed.""",
        ),
        _p(
            "Chef Knife 20 cm",
            "329.00",
            (150, 800),
            15,
            "chef_knife",
            """A 20 cm blade of German stainless steel, hardened to 58 HRC and
            sharpened to 15 degrees a side, for chopping, slicing and mincing. The
            full-tang pakkawood handle balances at the bolster. Wash by hand.""",
        ),
        _p(
            "Glass Teapot 800 ml",
            "118.00",
            (60, 250),
            25,
            "glass_teapot",
            """Borosilicate glass you can set on a gas flame, with a removable
            stainless filter for loose-leaf and flowering teas. Holds 800 ml, four good
            cups, and you can watch the leaves unfurl as it brews.""",
        ),
        _p(
            "Stone Mortar and Pestle",
            "139.00",
            (60, 250),
            3,
            "mortar",
            """Carved from a single block of granite, 15 cm across and heavy enough to
            stay put while you pound garlic, chillies or Sichuan pepper. The unpolished
            bowl grips the spices; rinse it with water, no soap.""",
        ),
    ),
)

DECOR = DemoCategory(
    "decor",
    "Decor",
    "lotus-home",
    (196, 150, 60),
    (
        _p(
            "Paper Lantern Lamp",
            "159.00",
            (80, 300),
            25,
            "paper_lantern",
            """A 45 cm round lantern of white rice paper on a bamboo frame that turns
            any bulb into soft, even light. Comes with a 4 m fabric cord and an E27
            fitting, to hang from the ceiling or a hook.""",
        ),
        _p(
            "Linen Table Lamp",
            "299.00",
            (150, 600),
            15,
            "table_lamp",
            """A ceramic base in warm sand under a natural linen drum shade, 48 cm
            tall: the lamp for a bedside or a side table. Switch on the fabric cord;
            takes an E27 bulb.""",
        ),
        _p(
            "Brass Reading Lamp",
            "459.00",
            (200, 900),
            8,
            "reading_lamp",
            """An adjustable arm of solid brass that puts the light exactly on your
            page, on a heavy base that keeps it steady. The brass darkens gracefully
            with age; a warm 3,000 K LED bulb is included.""",
        ),
        _p(
            "Rattan Floor Lamp",
            "699.00",
            (400, 1200),
            3,
            "floor_lamp",
            """A 150 cm floor lamp with a shade hand-woven from rattan that throws a
            warm, patterned glow on the walls. Tripod legs of solid oak, and a foot
            switch on the cord.""",
        ),
        _p(
            "Moon Night Light",
            "79.00",
            (40, 150),
            40,
            "moon_light",
            """A 12 cm moon printed in 3-D from a real lunar map, glowing warm or cool
            white at a touch. It charges over USB, lasts the whole night and rests on a
            wooden cradle.""",
        ),
        _p(
            "Ceramic Vase Trio",
            "199.00",
            (100, 400),
            15,
            "vases",
            """Three stoneware vases, 12, 18 and 24 cm tall, in matte glazes of white,
            sage and clay. Watertight for fresh flowers, and lovely empty on a
            shelf.""",
        ),
        _p(
            "Wool Throw Blanket",
            "399.00",
            (200, 800),
            8,
            "throw_blanket",
            """A 130 × 170 cm throw woven from soft lambswool in a herringbone
            pattern, with knotted fringes. Warm without weight on a sofa or at the end
            of a bed; dry-clean or a cool wool wash.""",
        ),
    ),
)

CLOTHING = DemoCategory(
    "clothing",
    "Clothing",
    "silk-road-fashion",
    (120, 80, 180),
    (
        _p(
            "Organic Cotton T-Shirt",
            "99.00",
            (50, 200),
            100,
            "t_shirt",
            """A crew-neck T-shirt of 180 g/m² organic cotton: thick enough never to
            turn see-through, soft from the first wash. Regular fit, sizes XS to XXL;
            machine-wash at 30 °C.""",
        ),
        _p(
            "Linen Summer Shirt",
            "259.00",
            (120, 450),
            25,
            "linen_shirt",
            """Pure washed linen, light and breathable for the hottest days, with a
            relaxed fit and mother-of-pearl buttons. It creases a little, as linen
            should. Sizes S to XXL.""",
        ),
        _p(
            "Merino Crew Sweater",
            "499.00",
            (250, 900),
            15,
            "sweater",
            """Fine-knit extra-fine merino, warm in winter, cool when the sun comes out
            and never itchy. Ribbed collar, cuffs and hem; wash it on the wool
            programme.""",
        ),
        _p(
            "Denim Overshirt",
            "329.00",
            (150, 600),
            8,
            "overshirt",
            """A heavy 12 oz denim shirt to wear open over a T-shirt like a light
            jacket. Two chest pockets with snaps and a straight hem; it softens and
            fades with every wash.""",
        ),
        _p(
            "Silk Blend Blouse",
            "399.00",
            (200, 800),
            8,
            "blouse",
            """Silk and cotton with a soft sheen and a fluid drape, cut with a band
            collar and covered buttons. Dress it up with a skirt or down with jeans;
            hand-wash cold.""",
        ),
        _p(
            "Rain Shell Jacket",
            "599.00",
            (300, 1200),
            15,
            "rain_jacket",
            """A waterproof, breathable shell with taped seams and an adjustable hood,
            for city showers and mountain drizzle alike. It packs into its own chest
            pocket and weighs 320 g.""",
        ),
        _p(
            "Everyday Hoodie",
            "229.00",
            (120, 400),
            40,
            "hoodie",
            """A 320 g/m² brushed cotton hoodie with a lined hood, a kangaroo pocket
            and ribbed cuffs that keep their shape: the one you reach for every
            weekend. Sizes XS to XXL.""",
        ),
        _p(
            "Chino Trousers",
            "269.00",
            (150, 500),
            25,
            "chinos",
            """Cotton twill with a little stretch, cut slim but not tight, with a
            mid-rise and a tapered leg. Smart enough for the office, easy enough for
            the weekend. Waist 28 to 38.""",
        ),
    ),
)

ACCESSORIES = DemoCategory(
    "accessories",
    "Accessories",
    "silk-road-fashion",
    (170, 60, 110),
    (
        _p(
            "Canvas Tote Bag",
            "79.00",
            (40, 200),
            100,
            "tote_bag",
            """A roomy tote of 16 oz cotton canvas, 40 × 38 cm on a 10 cm base, with an
            inside pocket for keys and phone. Strong enough for the weekly market
            shop.""",
        ),
        _p(
            "Leather Crossbody Bag",
            "699.00",
            (300, 1500),
            8,
            "crossbody_bag",
            """Vegetable-tanned leather that darkens into a rich patina, with a flap,
            an adjustable strap and room for a phone, a wallet and a small notebook.
            24 × 17 cm.""",
        ),
        _p(
            "City Backpack 20 L",
            "399.00",
            (200, 800),
            15,
            "backpack",
            """A 20-litre backpack of water-repellent recycled nylon, with a padded
            sleeve for a 15-inch laptop, a hidden back pocket for the passport and side
            pockets for a bottle and an umbrella. Fits under a plane seat.""",
        ),
        _p(
            "Silk Scarf",
            "299.00",
            (150, 700),
            25,
            "silk_scarf",
            """A 90 cm square of pure mulberry silk twill with hand-rolled edges,
            printed with cranes flying over waves. Wear it at the neck, on a bag handle
            or in your hair.""",
        ),
        _p(
            "Wool Beanie",
            "89.00",
            (40, 200),
            40,
            "beanie",
            """A rib-knit beanie in a soft merino blend, with a turn-up cuff that
            covers the ears. One size that stretches to fit; warm without the
            itch.""",
        ),
        _p(
            "Minimal Card Wallet",
            "159.00",
            (80, 400),
            25,
            "card_wallet",
            """A slim leather sleeve for four to six cards and a few folded notes, with
            a thumb cut-out to push them out. You will barely notice it in a front
            pocket.""",
        ),
        _p(
            "Weekend Duffel",
            "549.00",
            (250, 1200),
            8,
            "duffel",
            """A 40-litre duffel of waxed canvas with leather handles and a detachable
            shoulder strap: room for two or three days' clothes. A zipped end pocket
            keeps the shoes apart, and it fits most cabin baggage limits.""",
        ),
    ),
)

FITNESS = DemoCategory(
    "fitness",
    "Fitness",
    "summit-outdoors",
    (30, 150, 110),
    (
        _p(
            "Pro Training Basketball",
            "199.00",
            (100, 400),
            15,
            "basketball",
            """A size 7 composite-leather ball with deep channels for a sure grip,
            made for indoor courts and tough enough for outdoor ones. It arrives
            inflated, with a pump needle.""",
        ),
        _p(
            "Match Football Size 5",
            "169.00",
            (80, 400),
            25,
            "football",
            """Thirty-two thermally bonded panels that keep their shape and fly true,
            on grass or artificial turf. Match weight and bounce, for club games and
            training alike.""",
        ),
        _p(
            "Cork Yoga Block",
            "59.00",
            (30, 120),
            40,
            "yoga_block",
            """Solid natural cork, 23 × 15 × 7.5 cm: firm, grippy even when you sweat,
            and harvested without felling a tree. Support for standing poses, seated
            stretches and restorative work.""",
        ),
        _p(
            "Resistance Band Set",
            "89.00",
            (40, 200),
            40,
            "resistance_bands",
            """Five latex loop bands from extra light to extra heavy, colour-coded, for
            warm-ups, physio and workouts on the road. A mesh bag and a guide to 30
            exercises are included.""",
        ),
        _p(
            "Adjustable Dumbbell 10 kg",
            "399.00",
            (200, 800),
            8,
            "dumbbell",
            """One dumbbell from 2.5 to 10 kg: add or remove cast-iron plates and hold
            them with the spinlock collars. The knurled chrome handle grips well. Sold
            singly.""",
        ),
        _p(
            "Speed Jump Rope",
            "49.00",
            (25, 120),
            100,
            "jump_rope",
            """A steel-cable rope on ball-bearing handles that spins fast and smooth,
            for double-unders and interval training. Adjusts to your height in a
            minute.""",
        ),
        _p(
            "Table Tennis Paddle Pair",
            "129.00",
            (60, 300),
            15,
            "ping_pong",
            """Two five-ply wooden blades with 2 mm sponge rubber, balanced for spin
            and control, with three balls and a zipped case. For the office table or
            the park.""",
        ),
        _p(
            "Foam Roller",
            "89.00",
            (60, 150),
            25,
            "foam_roller",
            """A firm EVA foam roller, 33 cm long and 14 cm across, whose ridged
            surface works into tight calves, thighs and upper back. Hollow, light and
            easy to pack.""",
        ),
    ),
)

CAMPING = DemoCategory(
    "camping",
    "Camping",
    "summit-outdoors",
    (60, 120, 70),
    (
        _p(
            "Ridge 2-Person Tent",
            "899.00",
            (500, 2000),
            8,
            "dome_tent",
            """A freestanding dome for two that pitches in five minutes, with two
            doors, two porches and a 3,000 mm waterproof flysheet. Packs to 45 × 15 cm
            and weighs 2.1 kg.""",
        ),
        _p(
            "Trail 3-Season Tent",
            "1499.00",
            (800, 3000),
            0,
            "tunnel_tent",
            """A tunnel tent for two and their kit, from spring to autumn in the hills:
            aluminium poles, a 5,000 mm flysheet and a big porch for cooking out of the
            rain. 2.4 kg, with a groundsheet protector included.""",
        ),
        _p(
            "Down Sleeping Bag",
            "799.00",
            (400, 2000),
            8,
            "sleeping_bag",
            """A mummy bag filled with 600 g of 90/10 duck down, comfortable down to
            0 °C, with a draught collar and a hood that cinches shut. Squeezes to the
            size of a loaf of bread in its stuff sack.""",
        ),
        _p(
            "Folding Camp Chair",
            "159.00",
            (80, 400),
            25,
            "camp_chair",
            """A sturdy chair that folds to 35 cm and weighs 900 g, with a breathable
            seat on an aluminium frame that holds 120 kg. Sets up in seconds; carry bag
            included.""",
        ),
        _p(
            "Titanium Camp Stove",
            "269.00",
            (150, 600),
            15,
            "camp_stove",
            """A 45 g titanium burner that screws onto a gas canister and boils a litre
            of water in about three and a half minutes. Folding pot supports and a
            push-button igniter; the canister is not included.""",
        ),
        _p(
            "Headlamp 400 lm",
            "129.00",
            (60, 300),
            40,
            "headlamp",
            """A 400-lumen headlamp with a wide beam for the tent, a spot that reaches
            80 m on the trail and a red light that keeps your night vision.
            Rechargeable over USB-C, rainproof to IPX6, 75 g.""",
        ),
        _p(
            "Insulated Water Bottle",
            "119.00",
            (50, 150),
            100,
            "water_bottle",
            """A 750 ml double-walled stainless-steel bottle that keeps water cold for
            24 hours and tea hot for 12. Leak-proof lid with a carry loop; fits most
            car and bike bottle holders.""",
        ),
    ),
)

# root slug, root name, its categories
CATEGORIES = [
    ("electronics", "Electronics", (PHONES_AUDIO, COMPUTERS)),
    ("home-kitchen", "Home & Kitchen", (KITCHEN, DECOR)),
    ("fashion", "Fashion", (CLOTHING, ACCESSORIES)),
    ("sports-outdoors", "Sports & Outdoors", (FITNESS, CAMPING)),
]


def demo_products() -> list[tuple[DemoCategory, DemoProduct]]:
    """Every demo product with its category, in the order the seed creates them."""
    return [
        (category, product)
        for _, _, categories in CATEGORIES
        for category in categories
        for product in category.products
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
        # Enough for a laptop by password; face payment stops at FACEAUTH_MAX_AMOUNT.
        "funds": "20000.00",
    },
    "shopper2": {
        "password": "smilepay-shopper2",
        "email": "shopper2@example.com",
        # A short wallet, to show an order the balance cannot pay.
        "funds": "500.00",
    },
    "merchant": {
        "password": "smilepay-merchant",
        "email": "merchant@example.com",
        "merchant": "panda-electronics",
    },
}
