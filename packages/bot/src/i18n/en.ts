/**
 * English messages. HTML (Telegram's `parse_mode: 'HTML'`): every value interpolated here must
 * already be escaped by the caller (`format.ts`). `ru.ts` has the same shape, checked by the type.
 */
export const en = {
  languageName: 'English',
  commands: {
    start: 'Link your advertiser account',
    help: 'What this bot can do',
    campaigns: 'Your campaigns: list, create, edit',
    statistics: 'Statistics and a daily chart',
    language: 'Switch language',
    cancel: 'Stop the current dialog',
    logout: 'Unlink this Telegram account',
  },
  help: (idLogin: boolean) =>
    [
      '<b>AdNova bot for advertisers</b>',
      '',
      `/start — link your advertiser account with a one-time code${idLogin ? ' (or your advertiser id)' : ''}`,
      '/campaigns — list your campaigns, open one to see its figures, create, edit or delete campaigns, attach images and generate ad texts',
      '/statistics — totals, per-campaign figures and a daily chart',
      '/language — switch between English and Russian',
      '/cancel — stop the current dialog',
      '/logout — unlink this Telegram account',
    ].join('\n'),

  account: {
    askCode: (idLogin: boolean) =>
      [
        'Send me your one-time <b>link code</b> to manage your campaigns here.',
        'Get a code in the AdNova admin panel, or from the API: <code>POST /advertisers/{advertiser_id}/link_codes</code>.',
        idLogin ? 'You can also send your advertiser UUID.' : '',
      ]
        .filter(Boolean)
        .join('\n'),
    alreadyLinked: (name: string, id: string) =>
      `Already authenticated as <b>${name}</b> (<code>${id}</code>). Get all commands with /help.`,
    linked: (name: string, id: string) =>
      `Successfully authenticated as <b>${name}</b> (<code>${id}</code>). Get help: /help.`,
    codeUnknown: 'This code is unknown or has expired. Get a new code and send it again.',
    codeUsed: 'This code has already been used. Get a new code and send it again.',
    idLoginDisabled: 'Logging in with an advertiser id is disabled here. Send a one-time link code instead.',
    advertiserNotFound: 'Advertiser with this UUID not found.',
    loggedOut: 'Successfully logged out.',
    notLoggedIn: 'You are not logged in. Send /start to link your advertiser account.',
  },

  general: {
    notUnderstood: 'I did not understand that. See /help for what I can do.',
    cancelled: 'Cancelled.',
    nothingToCancel: 'There is nothing to cancel.',
    privateOnly: 'Please talk to me in a private chat.',
    tooManyRequests: 'Too many messages at once. Please wait a moment and try again.',
    outdatedButton: 'This button is outdated. Open /campaigns again.',
    photoOutsideDialog: 'To attach an image, open a campaign in /campaigns and press “⬆️ Upload image”.',
    cancelHint: 'Send /cancel to stop.',
  },

  language: {
    prompt: 'Choose your language:',
    set: 'Language: English.',
  },

  errors: {
    invalidData: (detail: string) => `Invalid data: ${detail}`,
    forbidden: (detail: string) => `Forbidden changing campaign: ${detail}`,
    notFound: 'It no longer exists: it may have been deleted. Open /campaigns again.',
    unavailable: 'AdNova is temporarily unavailable. Please try again in a minute.',
    misconfigured:
      'The bot cannot talk to AdNova right now (it is misconfigured). Please tell the AdNova team.',
    internal: 'Something went wrong on our side. Please try again.',
  },

  fields: {
    ad_title: 'Title',
    ad_text: 'Ad text',
    impressions_limit: 'Impressions limit',
    clicks_limit: 'Clicks limit',
    cost_per_impression: 'Cost per impression',
    cost_per_click: 'Cost per click',
    start_date: 'Start day',
    end_date: 'End day',
    gender: 'Gender',
    age_from: 'Age from',
    age_to: 'Age to',
    location: 'Location',
  },
  genders: { ALL: 'All', MALE: 'Male', FEMALE: 'Female' },
  anyone: 'anyone',
  status: {
    scheduled: 'scheduled',
    active: 'active',
    ended: 'ended',
  },

  list: {
    title: (total: number, page: number, pages: number) =>
      total === 0
        ? '<b>Campaigns</b>\nYou have no campaigns yet. Press “➕ Create” to make one.'
        : `<b>Campaigns</b> (${total}) · page ${page}/${pages}`,
    create: '➕ Create',
    previous: '◀️ Back',
    next: 'Next ▶️',
  },

  card: {
    id: 'ID',
    status: (status: string, today: number) => `Status: ${status} (today is day ${today})`,
    days: (start: number, end: number) => `Days: ${start} – ${end}`,
    limits: (impressions: string, clicks: string) => `Limits: impressions ${impressions}, clicks ${clicks}`,
    costs: (impression: string, click: string) => `Prices: ${impression} per impression, ${click} per click`,
    targeting: (summary: string) => `Targeting: ${summary}`,
    age: (from: string, to: string) => `age ${from}–${to}`,
    image: (has: boolean) => `Image: ${has ? 'yes' : 'none'}`,
    statsTitle: '📊 Statistics',
    stats: (impressions: string, clicks: string, conversion: string) =>
      `Impressions: ${impressions} · Clicks: ${clicks} · Conversion: ${conversion}`,
    spent: (impressions: string, clicks: string, total: string) =>
      `Spent: ${impressions} on impressions, ${clicks} on clicks, ${total} in total`,
    edit: '📝 Edit campaign',
    generate: '✨ Generate ad text',
    uploadImage: '⬆️ Upload image',
    showImage: '🖼 Show image',
    deleteImage: '🗑️ Delete image',
    delete: '🗑️ Delete campaign',
    back: '⬅️ Back to list',
    confirmDelete: (title: string) =>
      `Delete the campaign <b>${title}</b>? Its statistics are deleted with it. This cannot be undone.`,
    confirmYes: '🗑️ Yes, delete',
    confirmNo: '↩️ No, keep it',
    deleted: 'Campaign deleted.',
    imageDeleted: 'Campaign image deleted.',
    noImage: 'This campaign has no image.',
    imageLink: (caption: string, url: string) => `${caption}: <a href="${url}">open the image</a>`,
    imageCaption: (title: string) => `Image of “${title}”`,
  },

  validation: {
    notEmpty: 'Please send some text.',
    tooLong: (max: number) => `That is too long: at most ${max} characters.`,
    wholeNumber: 'Please send a whole number, like 1000.',
    decimal: 'Please send a number, like 0.5 or 12.',
    atLeast: (min: number) => `It must be at least ${min}.`,
    atMost: (max: number) => `It must be at most ${max}.`,
    clicksOverImpressions: (impressions: number) =>
      `The clicks limit cannot be greater than the impressions limit (${impressions}).`,
    startBeforeToday: (today: number) => `The start day cannot be in the past: today is day ${today}.`,
    endBeforeStart: (start: number) => `The end day cannot be before the start day (${start}).`,
    ageOrder: (from: number) => `“Age to” cannot be less than “age from” (${from}).`,
    impressionsUnderClicks: (clicks: number) =>
      `The impressions limit cannot be less than the clicks limit (${clicks}).`,
    startAfterEnd: (end: number) => `The start day cannot be after the end day (${end}).`,
    ageFromOverTo: (to: number) => `“Age from” cannot be greater than “age to” (${to}).`,
    gender: 'Please choose one of the buttons: All, Female or Male.',
    expectedText: 'Please answer with a text message, or press one of the buttons.',
  },

  dialog: {
    skip: 'Skip',
    cancel: '❌ Cancel',
    current: (value: string) => `Now: ${value}`,
    optional: 'Send “-” or press Skip for no restriction.',
  },

  create: {
    intro: '<b>New campaign</b>\nI will ask for each field in turn.',
    prompts: {
      ad_title: 'What is the ad <b>title</b>?',
      ad_text: 'Send the <b>ad text</b>, or let AI write it for you.',
      impressions_limit: 'How many <b>impressions</b> at most? (a whole number)',
      clicks_limit: 'How many <b>clicks</b> at most? (a whole number, not more than the impressions limit)',
      cost_per_impression: 'How much do you pay <b>per impression</b>? (e.g. 0.5)',
      cost_per_click: 'How much do you pay <b>per click</b>? (e.g. 3.25)',
      start_date: (today: number) => `On which <b>day</b> does it start? Today is day ${today}.`,
      end_date: (start: number) => `On which <b>day</b> does it end? Day ${start} or later.`,
      gender: 'Show it to which <b>gender</b>?',
      age_from: 'Minimal <b>age</b> of the audience (0–100)?',
      age_to: 'Maximal <b>age</b> of the audience (0–100)?',
      location: 'Which <b>location</b> (exactly as clients have it, e.g. Moscow)?',
    },
    generateButton: '✨ Generate with AI',
    summary: 'Please check the new campaign:',
    confirm: '✅ Create',
    fixField: (field: string) => `Let us fix “${field}”.`,
    created: 'Campaign created.',
  },

  edit: {
    choose: (title: string) => `What do you want to change in <b>${title}</b>?`,
    frozenNote: '🔒 The campaign has started: its limits and days can no longer change.',
    frozen: 'This field is frozen: the campaign has already started.',
    ask: (field: string) => `Send the new value of “${field}”.`,
    back: '⬅️ Back to campaign',
    saved: 'Saved.',
  },

  image: {
    prompt: 'Send me a photo (or an image file) for this campaign, smaller than 10 MB.',
    notImage: 'That is not an image. Please send a photo or an image file.',
    tooBig: 'This file is too big: images must be smaller than 10 MB.',
    uploaded: 'Image uploaded.',
  },

  generate: {
    working: '✨ Writing an ad text…',
    proposal: (text: string) => `<b>Proposed ad text</b>\n\n${text}`,
    use: '✅ Use this text',
    retry: '🔄 Try again',
    failed: 'The ad text could not be generated this time.',
    timeout: 'The ad text is taking too long. Please try again later.',
    saved: 'Ad text saved.',
  },

  stats: {
    title: (name: string) => `📊 <b>Statistics of ${name}</b>`,
    impressions: 'Impressions',
    clicks: 'Clicks',
    conversion: 'Conversion',
    spentImpressions: 'Spent on impressions',
    spentClicks: 'Spent on clicks',
    spentTotal: 'Spent in total',
    perCampaign: '<b>Per campaign</b>',
    line: (title: string, impressions: string, clicks: string, conversion: string, spent: string) =>
      `• ${title} — impressions ${impressions}, clicks ${clicks}, conversion ${conversion}, spent ${spent}`,
    more: (count: number) => `…and ${count} more.`,
    noCampaigns: 'No campaigns yet.',
    chartCaption: (from: number, to: number) => `Daily impressions, clicks and spend, days ${from}–${to}`,
    chartLegend: { impressions: 'Impressions', clicks: 'Clicks', spent: 'Spent' },
  },
};

export type Messages = typeof en;
