import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { type ModerationCategory, moderateText, normaliseText } from './moderator.ts';

const flagged = (text: string, category?: ModerationCategory) => {
  const result = moderateText(text);
  assert.equal(result.flagged, true, `should be flagged: ${text}`);
  if (category) {
    assert.ok(
      result.matches.some((m) => m.category === category),
      `${text}: expected ${category}, got ${JSON.stringify(result.matches)}`,
    );
  }
};
const clean = (text: string) =>
  assert.deepEqual(moderateText(text), { flagged: false, matches: [] }, `should be clean: ${text}`);

describe('offline moderator', () => {
  test('Russian mat, its derivations and insults', () => {
    for (const text of [
      'Ну ты и сука',
      'Бля, какие цены!',
      'Это пиздец как дёшево',
      'Заебали эти скидки',
      'Иди нахуй со своей рекламой',
      'Охуенные кроссовки',
      'Ёбаный стыд, а не сервис',
      'Распиздяйство в каждом заказе',
      'Какой-то мудак это придумал',
      'Хуёвое качество',
      'Уебок',
      'Долбоёб',
      'Всё говно, не покупайте',
      'Бляха-муха, опять распродажа',
      'Ты лох, если не купишь',
      'Тупая тварь',
      'Эти дебилы опять подняли цены',
    ]) {
      flagged(text, 'profanity');
    }
  });

  test('disguised Russian mat: masks, symbols, digits, Latin look-alikes, spacing, stretching', () => {
    for (const text of [
      'с*ка',
      'бл@дь',
      'бл*ть',
      'п*зд*ц',
      'х.у.й',
      'х у й',
      'xyй',
      'cука',
      'сyкa',
      'суууука',
      'пиzдец',
      '3аебал',
      'пи3дец',
      'ё6аный',
      'на х*й',
    ]) {
      flagged(text, 'profanity');
    }
  });

  test('English swearing, disguised or not', () => {
    for (const text of [
      'What the fuck is this price',
      'f*ck',
      'F.U.C.K this',
      'fuuuuck',
      'fuсk (with a Cyrillic с)',
      'motherfucker',
      'This is bullshit',
      'sh1t deal',
      'sh!t',
      'You absolute bitch',
      'Get lost, asshole',
      'Cunts everywhere',
      'wtf',
      'kiss my ass',
    ]) {
      flagged(text, 'profanity');
    }
  });

  test('threats, blackmail and bullying in both languages', () => {
    for (const text of [
      'Убью',
      'Я тебя убью',
      'Зарежу всех, кто не купит',
      'Мы тебя найдём',
      'Тебе конец',
      'Ты труп',
      'Сожгу вашу семью',
      'Знаю, где ты живёшь',
      'Ноги переломаю',
      'Сдохни',
      'Ты об этом пожалеешь',
      'Заплати, иначе все узнают',
      'Опубликую твои фото',
      'I will kill you',
      "I'll kill you",
      'kill yourself',
      'kys',
      "You're dead",
      'I know where you live',
      'We will burn your house',
      'Pay 1 BTC or I will leak your photos',
    ]) {
      flagged(text, 'threat');
    }
  });

  test('discrimination: slurs and racist, xenophobic, homophobic and sexist phrases', () => {
    for (const text of [
      'Сдам квартиру только славянам',
      'Сдаю без кавказцев и мигрантов',
      'Хачи, валите домой',
      'Жиды всем управляют',
      'Пидоры не пройдут',
      'Понаехали тут',
      'Россия для русских',
      'Место женщины на кухне',
      'Все мигранты — воры',
      'Черножопые',
      'nigger',
      'n*gger',
      'No blacks allowed',
      'Whites only',
      'faggot',
      'Women belong in the kitchen',
      'Immigrants are animals',
      'Go back to your country',
    ]) {
      flagged(text, 'discrimination');
    }
  });

  test('insults aimed at someone', () => {
    for (const text of [
      'Ты тупой',
      'Вы просто идиоты',
      'You are an idiot',
      'u r stupid',
      'you piece of shit',
    ]) {
      flagged(text, 'profanity');
    }
  });

  test('clean ads stay clean, including words that contain or resemble bad ones', () => {
    for (const text of [
      'Скидки на сухарики',
      "Classic assassin's creed game sale",
      'Scunthorpe United: season tickets',
      'Essex glasshouse and class passes',
      'Cocktail bar happy hour',
      'Застрахуем ваш автомобиль за 5 минут',
      'Хлеба и зрелищ!',
      'Вебинар по маркетингу',
      'Себестоимость ниже рынка',
      'Ребята, учёба начинается!',
      'Похудеть к лету с нами',
      'Сруб из бревна под ключ',
      'Хулиганы и художники: выставка',
      'Мудрость веков в каждой книге',
      'Shiitake mushrooms, fresh daily',
      'Хачапури по-грузински',
      'Педикюр со скидкой 30%',
      'Жидкость для линз',
      'Туры в Нигерию',
      'Kung fu classes for kids',
      'Fukushima travel guide',
      'Wankel engine parts',
      'Fire retardant spray',
      'Spic and Span cleaner',
      'Убойные скидки!',
      'Killer deals on shoes',
      'Найдём вам квартиру мечты',
      'Вы не пожалеете!',
      'We will destroy your competition',
      'Выбирайте лучшее: доставка за 1 час, 24/7',
      'Взорвём цены в эту пятницу!',
      'Все товары кроме черных футболок со скидкой',
      'Скидка 50% на всё*',
      'Morning coffee: two cups for the price of one',
      'Уезжаем на море: туры от 10 000 ₽',
      'В кого ты такой уродился? В папу!',
      'Сучок на доске — признак натуральной древесины',
      'Make your assets work: invest today',
      'Shut up and take my money!',
      'Go back to your routine refreshed',
      'No women’s sizes left in stock',
      'Дорого? Нет, доступно!',
    ]) {
      clean(text);
    }
  });

  test('normalisation folds ё, joins spaced letters and unifies scripts', () => {
    assert.deepEqual(normaliseText('Ёлка'), ['елка']);
    assert.deepEqual(normaliseText('f u c k off'), ['fuck', 'off']);
    assert.deepEqual(normaliseText('cука'), ['сука']);
    assert.deepEqual(normaliseText('fuсk'), ['fuck']);
    assert.deepEqual(normaliseText('с*ка!'), ['с*ка']);
  });
});
